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

/** Never throws. A secret's raw value never appears in an error (it may be the secret itself). */
export function resolveParams(plan: Plan, raw: Record<string, ParamValue>): ResolvedParams {
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
    if (coerced.ok) values[p.name] = coerced.value;
    else errors.push(`param "${p.name}": ${coerced.error}`);
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
