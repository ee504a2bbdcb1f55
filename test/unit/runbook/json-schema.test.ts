import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runbookJsonSchema, runbookJsonSchemaText } from '../../../src/runbook/json-schema';

const COMMITTED = path.join(__dirname, '../../../schema/runbook.schema.json');

describe('schema/runbook.schema.json', () => {
  it('equals the schema generated from the zod schema (regenerate: UPDATE_SCHEMA=1 npx jest json-schema)', () => {
    const generated = runbookJsonSchemaText();
    if (process.env.UPDATE_SCHEMA) writeFileSync(COMMITTED, generated);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('describes the authored form: strict objects, step kinds, duration patterns', () => {
    const schema = runbookJsonSchema() as { additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'name', 'version', 'owners', 'services', 'steps']));
    const text = JSON.stringify(schema);
    for (const kind of ['action', 'check', 'wait', 'notify', 'manual', 'approval']) expect(text).toContain(`"const":"${kind}"`);
    expect(text).toContain('(?:\\\\d+(?:ms|[dhms]))+');
  });
});
