/** Writing jsonb through pg. */
import { sql, type RawBuilder } from 'kysely';

/**
 * A value as a jsonb parameter. Needed because pg sends a JS array as a PostgreSQL array literal and a
 * string as bare text, neither of which is JSON: serialise explicitly, always.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`${JSON.stringify(value)}::jsonb`;
}
