/**
 * Parameter values for a run: strings from the CLI (or typed values from the API) coerced to each
 * param's type, defaults applied, unknown and missing ones refused. Pure: no `node:` imports.
 */
import type { Plan } from './types';

export type ParamValue = string | number | boolean;

/** The same rule as the runbook schema: a secret is where to find it, never the secret. */
const SECRET_REF = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/\S.*)$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface ResolvedParams {
  values: Record<string, ParamValue>;
  /** One message per problem, each naming its param; empty when the values can be used. */
  errors: string[];
}

/** Longest value checked against a param's pattern: a pattern is an allow-list of short values, and the cap bounds the regex's work. */
export const MAX_PATTERN_VALUE_LENGTH = 4096;

export interface ResolveParamsOptions {
  /** Why a secret reference is refused on this worker (src/config/secret-scope.ts), or undefined if allowed. */
  checkSecretRef?: (ref: string) => string | undefined;
}

/** The whole-value regex of a param's `pattern`, or the reason it is not a valid regular expression. */
export function compileParamPattern(pattern: string): RegExp | string {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Never throws. A secret's raw value never appears in an error (it may be the secret itself). */
export function resolveParams(plan: Plan, raw: Record<string, ParamValue>, options: ResolveParamsOptions = {}): ResolvedParams {
  const values: Record<string, ParamValue> = {};
  const errors: string[] = [];
  const declared = new Map(plan.params.map((p) => [p.name, p]));

  for (const name of Object.keys(raw)) {
    if (!declared.has(name)) {
      const known = plan.params.map((p) => p.name);
      errors.push(`unknown param "${name}"; ${known.length ? `this runbook takes ${known.join(', ')}` : 'this runbook takes no params'}`);
    }
  }

  for (const p of plan.params) {
    const given = Object.prototype.hasOwnProperty.call(raw, p.name) ? raw[p.name] : undefined;
    if (given === undefined) {
      if (p.default !== undefined) values[p.name] = p.default;
      else if (p.required) errors.push(`missing required param "${p.name}" (${p.type}${p.description ? `: ${p.description}` : ''})`);
      continue;
    }
    const coerced = coerce(p.type, given);
    if (!coerced.ok) {
      errors.push(`param "${p.name}": ${coerced.error}`);
      continue;
    }
    const refused = p.type === 'secret' ? options.checkSecretRef?.(String(coerced.value)) : patternProblem(p.pattern, coerced.value);
    if (refused) errors.push(`param "${p.name}": ${refused}`);
    else values[p.name] = coerced.value;
  }
  for (const p of plan.params) {
    // A default reference is checked too: the configuration of this worker may differ from the author's.
    if (p.type === 'secret' && values[p.name] !== undefined && raw[p.name] === undefined) {
      const refused = options.checkSecretRef?.(String(values[p.name]));
      if (refused) errors.push(`param "${p.name}" (default): ${refused}`);
    }
  }
  return { values, errors };
}

type Coerced = { ok: true; value: ParamValue } | { ok: false; error: string };

function coerce(type: Plan['params'][number]['type'], given: ParamValue): Coerced {
  switch (type) {
    case 'string':
      return typeof given === 'string' ? { ok: true, value: given } : { ok: false, error: `expected text, got ${typeof given}` };
    case 'number':
      if (typeof given === 'number' && Number.isFinite(given)) return { ok: true, value: given };
      if (typeof given === 'string' && NUMBER.test(given.trim())) return { ok: true, value: Number(given.trim()) };
      return { ok: false, error: `expected a number, got ${JSON.stringify(given)}` };
    case 'boolean':
      if (typeof given === 'boolean') return { ok: true, value: given };
      if (given === 'true' || given === 'false') return { ok: true, value: given === 'true' };
      return { ok: false, error: `expected true or false, got ${JSON.stringify(given)}` };
    case 'secret':
      if (typeof given === 'string' && SECRET_REF.test(given)) return { ok: true, value: given };
      return { ok: false, error: 'a secret is passed as a reference (env:NAME or file:/path), never as its value' };
  }
}

function patternProblem(pattern: string | undefined, value: ParamValue): string | undefined {
  if (pattern === undefined || typeof value !== 'string') return undefined;
  const regex = compileParamPattern(pattern);
  if (typeof regex === 'string') return `its pattern is not a valid regular expression: ${regex}`;
  if (value.length > MAX_PATTERN_VALUE_LENGTH) return `a value of ${value.length} characters is longer than ${MAX_PATTERN_VALUE_LENGTH}, the most a pattern is checked against`;
  if (!regex.test(value)) return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} does not match the pattern ${pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern}`;
  return undefined;
}
