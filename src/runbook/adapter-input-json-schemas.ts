/**
 * Adapter inputs in the published JSON Schema, per adapter: every object of the schema that is an
 * adapter call (`adapter` and `input` properties: AdapterCall, Notice, a notify step's call) gets an
 * `if adapter is X then input is X's input` rule per registered adapter (and, where `adapter` has a
 * default, one for the call that leaves it out). An unknown adapter name is not refused here: the
 * registry an editor sees may not be the worker's, and `drillbook validate` says so with a hint.
 *
 * Each input schema comes from the adapter's zod schema. Any string of an input may hold a template
 * (`${{ expr }}`) decided at run time, so every value inside an input also accepts a templated string,
 * and one-of choices become any-of (a templated discriminator would match several).
 */
import { z } from 'zod';
import type { AdapterRegistry } from './adapter-inputs';

type JsonSchema = Record<string, unknown>;

/** A string holding a template: its value is known only when the step runs. */
const TEMPLATED: JsonSchema = { type: 'string', pattern: '\\$\\{\\{', description: 'A template, rendered when the step runs.' };

const defName = (adapter: string) => `AdapterInput_${adapter}`;

/** Adds the adapters' input schemas to `$defs` and the per-adapter rules to every adapter call. */
export function withAdapterInputs(schema: JsonSchema, registry: AdapterRegistry): JsonSchema {
  const defs: Record<string, unknown> = { ...((schema.$defs as Record<string, unknown>) ?? {}) };
  const names = registry.names().filter((name) => registry.find(name));
  for (const name of names) {
    const generated = z.toJSONSchema((registry.find(name) as { input: z.ZodType }).input, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
    const { $schema: _dialect, $defs: localDefs, ...input } = generated as JsonSchema;
    const prefix = `${defName(name)}_`;
    for (const [key, def] of Object.entries((localDefs as Record<string, unknown>) ?? {})) defs[prefix + key] = acceptTemplates(renameRefs(def, prefix));
    defs[defName(name)] = acceptTemplates(renameRefs(input, prefix));
  }
  return addRules({ ...schema, $defs: defs }, names) as JsonSchema;
}

/** Local `#/$defs/x` of one adapter's schema become `#/$defs/<prefix>x` (no clash with the runbook's). */
function renameRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((n) => renameRefs(n, prefix));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', `#/$defs/${prefix}`) : renameRefs(v, prefix)]),
  );
}

/** Every value below the input's root also accepts a templated string; `oneOf` becomes `anyOf`. */
function acceptTemplates(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(acceptTemplates);
  if (node === null || typeof node !== 'object') return node;
  const value = (sub: unknown) => ({ anyOf: [acceptTemplates(sub), TEMPLATED] });
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, value(s)]));
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object' && !Array.isArray(v)) out[k] = value(v);
    else if (k === 'prefixItems' && Array.isArray(v)) out[k] = v.map(value);
    else if (k === 'oneOf') out.anyOf = acceptTemplates(v);
    else out[k] = acceptTemplates(v);
  }
  return out;
}

function isAdapterCall(node: JsonSchema): boolean {
  const props = node.properties as Record<string, unknown> | undefined;
  return !!props && typeof props === 'object' && 'adapter' in props && 'input' in props;
}

function addRules(node: unknown, names: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => addRules(n, names));
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, addRules(v, names)])) as JsonSchema;
  if (!isAdapterCall(out)) return out;
  const adapterDefault = ((out.properties as Record<string, JsonSchema>).adapter ?? {}).default;
  const inputIs = (name: string) => ({ properties: { input: { $ref: `#/$defs/${defName(name)}` } } });
  const rules: JsonSchema[] = names.map((name) => ({ if: { properties: { adapter: { const: name } }, required: ['adapter'] }, then: inputIs(name) }));
  if (typeof adapterDefault === 'string' && names.includes(adapterDefault)) {
    rules.push({ if: { not: { required: ['adapter'] } }, then: inputIs(adapterDefault) });
  }
  return { ...out, allOf: [...((out.allOf as unknown[]) ?? []), ...rules] };
}
