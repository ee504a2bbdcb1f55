/**
 * The runbook format as JSON Schema, generated from the zod schema (one source of truth), for editors
 * (`# yaml-language-server: $schema=...`) and other tools. Committed as schema/runbook.schema.json; a
 * unit test fails when the file is stale (regenerate: UPDATE_SCHEMA=1 npx jest test/unit/runbook/json-schema).
 *
 * It describes what authors write (zod's input side), so defaults and duration patterns appear, but
 * cross-field rules (unique ids, needs, references) exist only in `drillbook validate`. Adapter inputs
 * are checked per adapter of the registry the caller hands in (adapter-input-json-schemas.ts).
 */
import { z } from 'zod';
import type { AdapterRegistry } from './adapter-inputs';
import { withAdapterInputs } from './adapter-input-json-schemas';
import { RunbookSchema } from './schema';

export const RUNBOOK_SCHEMA_ID = 'https://drillbook.dev/schema/runbook.schema.json';

export function runbookJsonSchema(registry: AdapterRegistry): Record<string, unknown> {
  return { ...withAdapterInputs(z.toJSONSchema(RunbookSchema, { io: 'input', target: 'draft-2020-12' }), registry), $id: RUNBOOK_SCHEMA_ID };
}

/** The committed file's exact text: stable key order from zod, two-space indent, final newline. */
export function runbookJsonSchemaText(registry: AdapterRegistry): string {
  return `${JSON.stringify(runbookJsonSchema(registry), null, 2)}\n`;
}
