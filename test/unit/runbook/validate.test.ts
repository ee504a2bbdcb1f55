import { z } from 'zod';
import type { AdapterRegistry } from '../../../src/runbook/adapter-inputs';
import { formatDiagnostic, type Diagnostic } from '../../../src/runbook/diagnostics';
import { parseRunbookYaml } from '../../../src/runbook/parse';
import { validateRunbook } from '../../../src/runbook/validate';

/** A registry of one adapter, so these tests do not depend on the real adapters' schemas. */
const fakeRegistry: AdapterRegistry = {
  find: (name) =>
    name === 'switch'
      ? { input: z.strictObject({ target: z.enum(['a', 'b']), port: z.number().int(), headers: z.record(z.string(), z.string()).optional() }) }
      : undefined,
  names: () => ['switch'],
};

const header = `apiVersion: drillbook/v1
name: t
version: "1"
owners: [sre]
services: [core]
params:
  site: { type: string, default: b }
`;

/** The start of an action step `s` (lines 9 to 12), up to `action:`. */
const actionS = '  - id: s\n    title: S\n    kind: action\n    action:';

function validate(stepsYaml: string, registry = fakeRegistry): string[] {
  const source = parseRunbookYaml(`${header}steps:\n${stepsYaml}`, 't.yaml');
  return validateRunbook(source, { registry }).diagnostics.map(formatDiagnostic);
}

describe('adapter inputs', () => {
  it('checks inputs against the adapter schema, pointing at the field', () => {
    expect(
      validate(`${actionS}
      adapter: switch
      input:
        target: c
        port: "80"
        extra: 1
`),
    ).toEqual([
      't.yaml:15:17: error: invalid input for adapter "switch": invalid value "c"; expected one of a, b',
      't.yaml:16:15: error: invalid input for adapter "switch": expected number, received string',
      't.yaml:17:9: error: invalid input for adapter "switch": unknown key "extra"',
    ]);
  });

  it('drops issues on templated values (known only at run time), keeps the rest', () => {
    expect(
      validate(`${actionS}
      adapter: switch
      input: { target: "\${{ params.site }}", port: "\${{ 80 }}", headers: "\${{ params.site }}" }
`),
    ).toEqual([]);
    expect(
      validate(`${actionS} { adapter: switch, input: { target: "\${{ params.site }}" } }
`),
    ).toEqual(['t.yaml:12:39: error: invalid input for adapter "switch": missing required key "port"']);
  });

  it('names unknown adapters, and checks compensate and the default notify adapter too', () => {
    expect(
      validate(`  - id: s
    title: S
    kind: notify
    notify: { input: {} }
    compensate: { adapter: swich, input: {} }
`),
    ).toEqual([
      't.yaml:12:13: error: unknown adapter "notify" (registered: switch)',
      't.yaml:13:28: error: unknown adapter "swich"; did you mean "switch"?',
    ]);
  });
});

describe('validateRunbook', () => {
  it('returns the runbook (durations in ms, defaults filled) when the shape is valid', () => {
    const source = parseRunbookYaml(`${header}steps:\n  - { id: w, title: W, kind: wait, duration: 1m30s }\n`, 't.yaml');
    const { runbook, diagnostics } = validateRunbook(source, { registry: fakeRegistry });
    expect(diagnostics).toEqual([]);
    expect(runbook?.modes).toEqual(['drill']);
    expect(runbook?.steps[0]).toMatchObject({ kind: 'wait', duration: 90_000, needs: [], onFailure: 'pause', marks: [], evidence: [] });
  });

  it('reports graph errors even when the schema fails elsewhere', () => {
    const lines = validate(`  - id: a
    title: A
    kind: wait
    duration: soon
    needs: [b]
  - id: b
    title: B
    kind: wiat
    needs: [a]
`);
    expect(lines).toEqual([
      't.yaml:12:15: error: invalid duration "soon"; expected e.g. 500ms, 30s, 5m, 1h30m, 2d',
      't.yaml:13:12: error: needs form a cycle: a -> b -> a',
      't.yaml:16:11: error: unknown step kind "wiat"; expected one of action, check, wait, notify, manual, approval, sequence',
    ]);
  });

  it('warns (without failing) about unmeasured objectives and dynamic names', () => {
    const source = parseRunbookYaml(
      `${header}objectives: { rto: 5m }\nsteps:\n  - { id: w, title: W, kind: wait, duration: 1s, when: "params[params.site]" }\n`,
      't.yaml',
    );
    const diagnostics: Diagnostic[] = validateRunbook(source, { registry: fakeRegistry }).diagnostics;
    expect(diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'mark.missing'],
      ['warning', 'ref.dynamic'],
    ]);
  });

  it('checks marks: one rto.start, one rto.end', () => {
    expect(
      validate(`  - { id: a, title: A, kind: wait, duration: 1s, marks: [rto.start] }
  - { id: b, title: B, kind: wait, duration: 1s, marks: [rto.start] }
`),
    ).toEqual([
      't.yaml:9:57: error: rto.start without a step marking rto.end',
      't.yaml:10:57: error: only one step may mark rto.start (already marked at line 9)',
    ]);
  });

  it('refuses a document that is not a mapping', () => {
    expect(validateRunbook(parseRunbookYaml('- a\n- b\n', 'list.yaml'), { registry: fakeRegistry }).diagnostics.map(formatDiagnostic)).toEqual([
      'list.yaml:1:1: error: a runbook is a YAML mapping (apiVersion, name, version, steps, ...)',
    ]);
  });
});
