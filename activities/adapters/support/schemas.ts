/** Zod pieces shared by adapter input schemas. */
import { z } from 'zod';
import { SECRET_REF_PATTERN } from '../../../src/config/secret-ref';

/** A secret reference (`env:NAME`, `file:/absolute/path`), never a secret value. */
export const secretRefSchema = z
  .string()
  .regex(SECRET_REF_PATTERN, 'must be a secret reference: "env:NAME" or "file:/absolute/path", never the value');

/** RFC 9110 token: what an HTTP header name may contain. */
export const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** A JSON value (what templates render to, and what outputs must be). */
export const jsonSchema = z.json();

/** A positive whole number of milliseconds with a default and a ceiling. */
export function timeoutMsSchema(defaultMs: number, maxMs: number) {
  return z.number().int().positive().max(maxMs).default(defaultMs);
}

/** A process exit code or an HTTP status: one value or a non-empty list of them. */
export function oneOrMany<T extends z.ZodNumber>(item: T) {
  return z.union([item, z.array(item).min(1)]);
}

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
