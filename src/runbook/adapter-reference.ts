/**
 * The adapters' section of docs/runbook-reference.md, generated from their zod input schemas (one
 * source of truth): every input field, its type, default and meaning (the fields' `.describe()`).
 * Written between the markers by `npm run docs:reference`; a unit test fails when the docs drift.
 */
import { z } from 'zod';

export const ADAPTER_REFERENCE_BEGIN = '<!-- adapters:begin (generated from the adapters\' zod schemas by `npm run docs:reference`; do not edit by hand) -->';
export const ADAPTER_REFERENCE_END = '<!-- adapters:end -->';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  $ref?: string;
};

interface DocumentedAdapter {
  name: string;
  description: string;
  input: z.ZodType;
}

/** A field's type in words, e.g. `integer 1–600000`, `list of text`, `map of text → secret reference`. */
function typeOf(s: JsonSchema): string {
  if (s.$ref) return 'any JSON';
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map(typeOf).join(' or ');
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uri') return 'URL';
      if (s.pattern?.startsWith('^(?:env:')) return 'secret reference';
      return 'text';
    case 'integer':
    case 'number': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
      const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
      const range = min !== undefined && max !== undefined ? ` ${min}–${max}` : min !== undefined ? ` ≥ ${min}` : '';
      return `${type === 'integer' ? 'integer' : 'number'}${range}`;
    }
    case 'boolean':
      return 'boolean';
    case 'array':
      return `list of ${s.items ? typeOf(s.items) : 'any JSON'}${s.minItems ? ` (at least ${s.minItems})` : ''}`;
    case 'object':
      if (s.properties) return 'object';
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map of name → ${typeOf(s.additionalProperties)}`;
      return 'object';
    default:
      return 'any JSON';
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One row per field, nested objects' fields as `parent.child`. */
function rows(schema: JsonSchema, prefix = ''): string[] {
  const out: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const dflt = field.default !== undefined ? `\`${JSON.stringify(field.default)}\`` : required.has(name) ? 'required' : '—';
    out.push(`| \`${path}\` | ${cell(typeOf(field))} | ${dflt} | ${cell(field.description ?? '')} |`);
    if (field.properties) out.push(...rows(field, `${path}.`));
  }
  return out;
}

const HEADER = ['| field | type | default | meaning |', '|---|---|---|---|'];

/** The markdown of one adapter: its description and a table of its input (one per operation of a union). */
export function adapterReference(adapter: DocumentedAdapter): string {
  const schema = z.toJSONSchema(adapter.input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const lines = [`### adapter \`${adapter.name}\``, '', adapter.description, ''];
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    for (const variant of variants) {
      const op = Object.entries(variant.properties ?? {}).find(([, f]) => f.const !== undefined);
      lines.push(op ? `\`${op[0]}: ${String(op[1].const)}\` — ${op[1].description ?? ''}` : '', '', ...HEADER, ...rows(variant), '');
    }
  } else {
    lines.push(...HEADER, ...rows(schema), '');
  }
  return lines.join('\n');
}

/** The whole generated section, markers included. */
export function adapterReferenceSection(adapters: Record<string, DocumentedAdapter>): string {
  const body = Object.values(adapters)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(adapterReference)
    .join('\n');
  return `${ADAPTER_REFERENCE_BEGIN}\n\n${body}\n${ADAPTER_REFERENCE_END}`;
}

/** `doc` with the text between its markers replaced by the section; throws when the markers are missing. */
export function withAdapterReference(doc: string, section: string): string {
  const begin = doc.indexOf(ADAPTER_REFERENCE_BEGIN);
  const end = doc.indexOf(ADAPTER_REFERENCE_END);
  if (begin < 0 || end < begin) throw new Error(`the adapter reference markers are missing (${ADAPTER_REFERENCE_BEGIN} … ${ADAPTER_REFERENCE_END})`);
  return doc.slice(0, begin) + section + doc.slice(end + ADAPTER_REFERENCE_END.length);
}
