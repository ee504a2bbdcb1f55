/**
 * Turns zod issues into findings an author can act on: codes from the catalog, the key to point at,
 * and messages without zod's jargon ("unknown key \"neds\"; did you mean \"needs\"?").
 */
import type { z } from 'zod';
import { didYouMean, type DiagnosticCode } from './diagnostics';
import { isRecord, valueAt, type Finding, type Path } from './findings';

type Issue = z.core.$ZodIssue;

/** Keys a step may have but a member of a sequence may not, and why. */
const SEQUENCE_MEMBER_KEYS: Record<string, string> = {
  needs: 'it runs after the step before it in the sequence',
  site: "the sequence's own site applies",
  local: "the sequence's own local applies",
  retry: "the sequence's own retry applies (a retried sequence does not redo the steps it completed)",
  timeout: "the sequence's own timeout applies",
};

/** `…steps, i, steps, j`: a member of a sequence. */
function inSequence(path: Path): boolean {
  const n = path.length;
  return n >= 4 && path[n - 4] === 'steps' && path[n - 2] === 'steps' && typeof path[n - 1] === 'number';
}

export interface IssueContext {
  /** The schema that produced the issues (to suggest keys for a typo). */
  schema: z.ZodType;
  /** The data it parsed (to tell a missing key from a wrong value). */
  data: unknown;
  /** Where `data` sits in the document. */
  basePath: Path;
  /** Replaces the code of every finding (adapter inputs are all `adapter.input`). */
  code?: DiagnosticCode;
  /** Prefixes every message. */
  prefix?: string;
}

export function issueFindings(issue: Issue, ctx: IssueContext): Finding[] {
  const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const out: Finding[] = [];
  const add = (code: DiagnosticCode, path: Path, message: string, at?: 'key') =>
    out.push({ code: ctx.code ?? code, path: [...ctx.basePath, ...path], message: (ctx.prefix ?? '') + message, ...(at ? { at } : {}) });
  const value = valueAt(ctx.data, rel);
  const missing = rel.length > 0 && value === undefined && isRecord(valueAt(ctx.data, rel.slice(0, -1)));
  const last = rel[rel.length - 1];

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(ctx.schema, rel);
      for (const key of issue.keys) {
        const why = inSequence(rel) ? SEQUENCE_MEMBER_KEYS[key] : undefined;
        add('schema.unknown_key', [...rel, key], why ? `a step in a sequence has no "${key}": ${why}` : `unknown key "${key}"${didYouMean(key, known)}`, 'key');
      }
      break;
    }
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options?.map(String).join(', ') ?? '';
        // Step kinds read best as "step kind"; other discriminators (an adapter's `operation`) by name.
        const what = issue.discriminator === 'kind' ? 'step kind' : issue.discriminator;
        if (missing) add('schema.missing_key', rel.slice(0, -1), `missing ${what}; expected one of ${options}`);
        else add('schema.unknown_kind', rel, `unknown ${what} ${JSON.stringify(value)}; expected one of ${options}`);
      } else if (missing) {
        add('schema.missing_key', rel.slice(0, -1), `missing required key "${String(last)}"`);
      } else if (issue.message !== 'Invalid input') {
        add('schema.invalid', rel, issue.message);
      } else {
        const alternatives = [...new Set(issue.errors.map((branch) => plain(branch[0]?.message ?? 'invalid')))];
        add('schema.invalid', rel, `invalid value; ${alternatives.join(', or ')}`);
      }
      break;
    }
    case 'invalid_type':
      if (missing) add('schema.missing_key', rel.slice(0, -1), `missing required key "${String(last)}"`);
      else add('schema.type', rel, plain(issue.message));
      break;
    case 'invalid_value':
      if (rel[0] === 'prechecks' && last === 'kind') add('schema.invalid_value', rel, 'a precheck must be a check step (kind: check)');
      else if (missing) add('schema.missing_key', rel.slice(0, -1), `missing required key "${String(last)}"`);
      else if (issue.values.length === 1) add('schema.invalid_value', rel, `expected ${JSON.stringify(issue.values[0])}, got ${JSON.stringify(value)}`);
      else add('schema.invalid_value', rel, `invalid value ${JSON.stringify(value)}; expected one of ${issue.values.map(String).join(', ')}`);
      break;
    case 'too_small':
    case 'too_big':
      add('schema.invalid', rel, sizeMessage(issue));
      break;
    case 'invalid_key': {
      const reason = issue.issues[0]?.message ?? 'invalid key';
      add('schema.invalid', rel, `invalid key "${String(last)}": ${plain(reason)}`, 'key');
      break;
    }
    case 'custom': {
      const code = (issue.params as { code?: DiagnosticCode } | undefined)?.code ?? 'schema.invalid';
      add(code, rel, issue.message);
      break;
    }
    default:
      add('schema.invalid', rel, plain(issue.message));
  }
  return out;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const exclusive = issue.inclusive === false;
  const unit = issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
  if (small && bound === 1 && !exclusive && unit) return 'must not be empty';
  if (unit === '' && (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')) {
    return `must be ${small ? (exclusive ? 'greater than' : 'at least') : exclusive ? 'less than' : 'at most'} ${bound}`;
  }
  return unit ? `must have ${small ? 'at least' : 'at most'} ${bound}${unit}` : plain(issue.message);
}

/** zod's "Invalid input: expected string, received number" -> "expected string, received number". */
function plain(message: string): string {
  return message.replace(/^(Invalid input|Invalid string|Too small|Too big|Invalid option): /, '');
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The keys a strict object at `path` accepts (for "did you mean"); a union offers all its options' keys. */
export function knownKeys(schema: z.ZodType, path: Path): string[] {
  let current: unknown[] = [schema];
  for (const seg of path) current = current.flatMap((s) => childSchemas(s, seg));
  const keys = new Set<string>();
  for (const s of current.flatMap(unwrap)) {
    const def = defOf(s);
    if (def.type === 'object') Object.keys(def.shape as object).forEach((k) => keys.add(k));
  }
  return [...keys];
}

/** Looks through wrappers (optional, default, pipe/transform, lazy) and unions to the concrete schemas. */
function unwrap(schema: unknown): unknown[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.in);
    case 'lazy':
      return unwrap((def.getter as () => unknown)());
    case 'union':
      return (def.options as unknown[]).flatMap(unwrap);
    default:
      return [schema];
  }
}

function childSchemas(schema: unknown, seg: string | number): unknown[] {
  return unwrap(schema).flatMap((s) => {
    const def = defOf(s);
    if (def.type === 'object') {
      const shape = def.shape as Record<string, unknown>;
      return Object.prototype.hasOwnProperty.call(shape, seg) ? [shape[seg]] : [];
    }
    if (def.type === 'array') return typeof seg === 'number' ? [def.element] : [];
    if (def.type === 'record') return [def.valueType];
    return [];
  });
}
