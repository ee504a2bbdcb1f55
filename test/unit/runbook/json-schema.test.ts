import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { adapterRegistry } from '../../../activities/adapters/index';
import { runbookJsonSchema, runbookJsonSchemaText } from '../../../src/runbook/json-schema';

const COMMITTED = path.join(__dirname, '../../../schema/runbook.schema.json');

describe('schema/runbook.schema.json', () => {
  it('equals the schema generated from the zod schema (regenerate: UPDATE_SCHEMA=1 npx jest json-schema)', () => {
    const generated = runbookJsonSchemaText(adapterRegistry);
    if (process.env.UPDATE_SCHEMA) writeFileSync(COMMITTED, generated);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('describes the authored form: strict objects, step kinds, duration patterns', () => {
    const schema = runbookJsonSchema(adapterRegistry) as { additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'name', 'version', 'owners', 'services', 'steps']));
    const text = JSON.stringify(schema);
    for (const kind of ['action', 'check', 'wait', 'notify', 'manual', 'approval']) expect(text).toContain(`"const":"${kind}"`);
    expect(text).toContain('(?:\\\\d+(?:ms|[dhms]))+');
  });

  describe('checks adapter inputs per adapter, as an editor would (ajv on the generated schema, which the first test holds equal to the file)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const check = ajv.compile(runbookJsonSchema(adapterRegistry));
    const runbook = (steps: string, guards = '') =>
      parse(`apiVersion: drillbook/v1\nname: t\nversion: "1"\nowners: [sre]\nservices: [core]\nparams:\n  t: { type: string, default: "5" }\nsteps:\n${steps}${guards}`);
    const approval = (escalate: string) => `  - id: a\n    title: A\n    kind: approval\n    role: sre\n    timeout: 5m\n    onTimeout: escalate\n    escalate: ${escalate}\n`;

    it('accepts a good input, templates included', () => {
      expect(check(runbook(approval('{input: {url: "https://x.example/h", message: "late"}}')))).toBe(true);
      expect(check(runbook(approval('{adapter: notify, input: {url: "${{ params.t }}", message: "m", timeoutMs: "${{ params.t }}"}}')))).toBe(true);
    });

    it("rejects an escalation's bad input (notify is its default adapter)", () => {
      expect(check(runbook(approval('{input: {url: 42, message: "late"}}')))).toBe(false);
      expect(JSON.stringify(check.errors)).toContain('/steps/0/escalate/input/url');
    });

    it("rejects a guard probe's and an action's unknown input field", () => {
      const guard = `guards:\n  - id: g\n    title: G\n    expect: output.ok\n    probe: {adapter: http, input: {url: "https://x.example", colour: red}}\n`;
      expect(check(runbook(`  - id: w\n    title: W\n    kind: wait\n    duration: 1s\n`, guard))).toBe(false);
      expect(check(runbook(`  - id: x\n    title: X\n    kind: action\n    action: {adapter: exec, input: {argv: "ls"}}\n`))).toBe(false);
      expect(check(runbook(`  - id: x\n    title: X\n    kind: action\n    action: {adapter: exec, input: {argv: [ls]}}\n`))).toBe(true);
    });

    it('accepts the reference runbooks and the valid fixtures', () => {
      const dirs = ['../../../runbooks', '../../fixtures/runbooks/valid', '../../fixtures/runbooks/real'].map((d) => path.join(__dirname, d));
      for (const f of dirs.flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith('.yaml')).map((n) => path.join(dir, n)))) {
        const ok = check(parse(readFileSync(f, 'utf8')));
        expect({ f, errors: ok ? null : check.errors }).toEqual({ f, errors: null });
      }
    });
  });
});
