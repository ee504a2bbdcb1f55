/**
 * What of a caller's request goes into the append-only trail: never more than a few kB, and nothing
 * the trail cannot store. PostgreSQL's jsonb (the `data` column derived from each event's body)
 * refuses `\u0000` and lone surrogates, so a raw body holding either used to make the refusal's own
 * record fail; here every string is made well-formed and NUL becomes U+FFFD. A large body is cut
 * down to an excerpt whose canonical text stays within `REQUEST_EXCERPT_CHARS`, with the byte
 * count and sha256 of the whole raw body, so what was sent can still be matched against a copy.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../plan/types';

/** The largest canonical JSON text of a recorded request body (the excerpt). */
export const REQUEST_EXCERPT_CHARS = 2048;
/** The largest message, path parameter or header value recorded with a refusal. */
export const RECORDED_TEXT_CHARS = 400;
/** Deeper values are not walked (a caller's 100k-deep array must not cost a stack). */
const MAX_DEPTH = 12;
const CUT = '…';

/**
 * `text` well-formed (lone surrogates → U+FFFD), without NUL (→ U+FFFD), and at most `max` characters
 * once escaped as a JSON string (control characters take six each), so the record's size is bounded.
 */
export function cleanText(text: string, max = RECORDED_TEXT_CHARS): string {
  let cut = text.length > max ? text.slice(0, max) : text;
  while (JSON.stringify(cut).length - 2 > max) cut = cut.slice(0, Math.floor(cut.length * 0.75));
  const clean = cut.replace(LONE_SURROGATE, '\uFFFD').replace(/\u0000/g, '\uFFFD');
  return cut.length < text.length ? `${clean}${CUT}` : clean;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `value` as storable JSON within `budget` characters of canonical text (roughly); `truncated` says whether anything was cut. */
export function cappedJson(value: unknown, budget = REQUEST_EXCERPT_CHARS): { json: Json; truncated: boolean } {
  const state = { left: budget, truncated: false };
  const json = capValue(value, state, 0);
  return { json, truncated: state.truncated };
}

function capValue(value: unknown, state: { left: number; truncated: boolean }, depth: number): Json {
  if (state.left <= 0 || depth > MAX_DEPTH) {
    state.truncated = true;
    return CUT;
  }
  if (value === null || value === undefined) {
    state.left -= 4;
    return null;
  }
  switch (typeof value) {
    case 'boolean':
      state.left -= 5;
      return value;
    case 'number':
      state.left -= String(value).length;
      return Number.isFinite(value) ? value : null;
    case 'string': {
      const max = Math.max(0, Math.min(RECORDED_TEXT_CHARS, state.left));
      const text = cleanText(value, max);
      if (text.length < value.length || text.endsWith(CUT)) state.truncated = true;
      state.left -= JSON.stringify(text).length;
      return text;
    }
    case 'object': {
      state.left -= 2;
      if (Array.isArray(value)) {
        const out: Json[] = [];
        for (const item of value) {
          if (state.left <= 0) {
            state.truncated = true;
            out.push(CUT);
            break;
          }
          out.push(capValue(item, state, depth + 1));
          state.left -= 1;
        }
        return out;
      }
      const out: Record<string, Json> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (state.left <= 0) {
          state.truncated = true;
          out[CUT] = CUT;
          break;
        }
        const name = cleanText(key, 100);
        state.left -= JSON.stringify(name).length + 2;
        out[name] = capValue(item, state, depth + 1);
      }
      return out;
    }
    default:
      state.truncated = true;
      return null;
  }
}

/**
 * The path of the first string (or key) in `value` that the trail cannot store as it is (a NUL, a
 * lone surrogate), e.g. `evidence.ticket`; undefined when there is none. Walks at most `MAX_DEPTH` deep.
 */
export function unstorablePath(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path.join('.') || '(body)' : undefined;
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return undefined;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, item] of entries) {
    if (UNSTORABLE.test(key)) return [...path, cleanText(key, 50)].join('.');
    const found = unstorablePath(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The whole raw body, as recorded beside its excerpt. */
export interface BodyDigest {
  /** Bytes received (or, when the body was not read, declared in Content-Length). */
  bytes: number | null;
  /** sha256 (hex) of the raw bytes; null when the body was not read (too large, wrong type). */
  sha256: string | null;
  truncated: boolean;
}

export function bodyDigest(raw: Buffer | undefined, declaredLength: string | undefined, truncated: boolean): BodyDigest {
  if (raw) return { bytes: raw.length, sha256: createHash('sha256').update(raw).digest('hex'), truncated };
  const declared = declaredLength !== undefined && /^\d+$/.test(declaredLength) ? Number(declaredLength) : null;
  return { bytes: declared, sha256: null, truncated: truncated || (declared ?? 0) > 0 };
}
