/**
 * Canonical JSON: the bytes a plan's hash is taken over. Object keys sorted (by UTF-16 code units,
 * as `Array.prototype.sort` does), no whitespace, `undefined` members dropped. Pure: no `node:` imports.
 */
import type { Plan } from './types';

/**
 * Serializes `value` canonically.
 * @throws TypeError for values JSON cannot represent (non-finite numbers, functions, bigint, symbols).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // Like JSON.stringify: an undefined array element becomes null, so indexes keep their meaning.
        return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot serialize a ${typeof value}`);
  }
}

/**
 * The canonical form of a plan for hashing: without `source` (the plan's file and each step's line
 * and column), so moving a file or adding a comment above a step keeps the hash of the same plan.
 */
export function canonicalPlanJson(plan: Plan): string {
  const { source: _file, ...rest } = plan;
  return canonicalJson({ ...rest, steps: plan.steps.map(({ source: _pos, ...step }) => step) });
}
