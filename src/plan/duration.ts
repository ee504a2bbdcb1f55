/**
 * Durations as authors write them (`500ms`, `30s`, `5m`, `1h30m`, `2d`) to and from milliseconds.
 * Pure: used by the compiler and by anything that shows a plan back to people.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest unit first: `1h30m` is fine, `30m1h` is not (it would read as a typo). */
const UNIT_ORDER: Unit[] = ['d', 'h', 'm', 's', 'ms'];

/** The whole grammar, for the JSON Schema and editors: one or more `<integer><unit>` parts. */
export const DURATION_PATTERN = '^(?:\\d+(?:ms|[dhms]))+$';

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/** Parses a duration; never throws. Whitespace is not allowed (`1h 30m` is an error). */
export function parseDuration(text: string): DurationResult {
  const hint = 'expected e.g. 500ms, 30s, 5m, 1h30m, 2d';
  if (text.length === 0) return { ok: false, error: `empty duration; ${hint}` };
  if (/^\d+$/.test(text)) return { ok: false, error: `duration "${text}" has no unit; ${hint}` };
  const part = /(\d+)(ms|d|h|m|s)/y;
  let ms = 0;
  let lastUnit = -1;
  while (part.lastIndex < text.length) {
    const at = part.lastIndex;
    const m = part.exec(text);
    if (!m) return { ok: false, error: `invalid duration "${text}"; ${hint}` };
    const unit = UNIT_ORDER.indexOf(m[2] as Unit);
    if (unit <= lastUnit) {
      return { ok: false, error: `invalid duration "${text}": units must go from largest to smallest, each once (at "${text.slice(at)}")` };
    }
    lastUnit = unit;
    ms += Number(m[1]) * UNIT_MS[m[2] as Unit];
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, error: `duration "${text}" is too large` };
  return { ok: true, ms };
}

/** Formats milliseconds the way an author would write them: 5400000 -> `1h30m`, 0 -> `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNIT_ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}
