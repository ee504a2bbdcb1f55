/**
 * Query strings of the read routes: described by zod schemas for the OpenAPI document and checked with
 * the same schemas in the route, after the gate (a bad parameter is a 400 naming it, never a 500).
 */
import { z } from 'zod';
import { ApiError } from './errors';
import { unstorablePath } from './recorded-request';

/** A report period; the year is bounded so every date computed from it exists. */
export const PeriodParam = z
  .string()
  .regex(/^(19[7-9]\d|[2-9]\d{3})(-(H[12]|Q[1-4]))?$/, 'expected YYYY, YYYY-H1, YYYY-H2 or YYYY-Q1..Q4 (from 1970)')
  .describe('YYYY-H1, YYYY-H2, YYYY-Qn or YYYY (default: the current half-year, UTC)');

/** An instant as ISO 8601 text (a date, or a date-time with its offset; without one, the server's time zone). */
export const InstantParam = z
  .string()
  .regex(
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/,
    'expected an ISO date or date-time, e.g. 2026-07-01 or 2026-07-01T00:00:00Z',
  )
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a valid date')
  .describe('ISO 8601 date or date-time');

/** The current half-year (UTC), the reports' default period (as the CLI's). */
export function currentHalfYear(now = new Date()): string {
  return `${now.getUTCFullYear()}-H${now.getUTCMonth() < 6 ? 1 : 2}`;
}

/**
 * Parses a request's query string (or path parameters) with `schema`.
 * @throws ApiError 400 naming the first parameter at fault (`period: expected YYYY, …`).
 */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown, code = 'invalid_query'): z.output<S> {
  const unstorable = unstorablePath(query);
  if (unstorable !== undefined) throw new ApiError(400, code, `${unstorable}: contains a NUL character or invalid Unicode`, unstorable);
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(query)';
  const given = (path: PropertyKey[]) => (query as Record<string, unknown> | null)?.[String(path[0])];
  // Missing, or given twice (an array): say so rather than "expected string, received …".
  const says = (i: z.core.$ZodIssue) => (i.code !== 'invalid_type' || i.path.length !== 1 ? i.message : given(i.path) === undefined ? 'required' : Array.isArray(given(i.path)) ? 'expected one value' : i.message);
  const message = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(query)'}: ${says(i)}`).join('; ');
  throw new ApiError(400, code, message, field);
}
