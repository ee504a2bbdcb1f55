import type { Json } from '../plan/types';

/** A request body as recorded: JSON only, long strings cut, and never an Authorization value. */
export function sanitize(body: unknown): Json {
  if (body === undefined) return null;
  try {
    const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'string' && v.length > 2000 ? `${v.slice(0, 2000)}…` : v));
    return text === undefined ? null : (JSON.parse(text) as Json);
  } catch {
    return null;
  }
}
