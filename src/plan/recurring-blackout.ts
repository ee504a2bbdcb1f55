/**
 * Recurring blackout windows (every business day 09:00-18:00 in Asia/Seoul, every month-end) and the
 * occurrence of one that covers an instant. Pure and import-free — the scheduled-drill workflow uses
 * it —; wall-clock times are read with `Intl.DateTimeFormat` (the workflow sandbox has it), so DST
 * and month lengths come from the runtime's time zone data.
 */

export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When a window recurs: on `days` (weekdays) or `monthDays` (1..31; -1 the last day of the month, -2
 * the one before), or every day when neither is given; from `from` to `to` local time in `timezone`.
 * `to` at or before `from` ends on the next day (an overnight window); `to: "24:00"` is midnight.
 * The day named is the day the window starts.
 */
export interface RecurrenceRule {
  days?: Weekday[];
  monthDays?: number[];
  from: string;
  to: string;
  timezone: string;
}

const DAY_MS = 86_400_000;

/** The occurrence of `rule` in force at `atMs` ([startMs, endMs)), if any. */
export function recurringOccurrenceAt(rule: RecurrenceRule, atMs: number): { startMs: number; endMs: number } | undefined {
  const today = localDate(atMs, rule.timezone);
  // An overnight (or midnight-ending) window in force now may have started the local day before.
  for (const back of [1, 0]) {
    const day = addDays(today, -back);
    if (!occursOn(rule, day)) continue;
    const [fh, fm] = hhmm(rule.from);
    const [th, tm] = hhmm(rule.to);
    const startMs = localToUtc(day, fh * 60 + fm, rule.timezone);
    const overnight = th * 60 + tm <= fh * 60 + fm;
    const endMs = localToUtc(overnight ? addDays(day, 1) : day, th * 60 + tm, rule.timezone);
    if (startMs <= atMs && atMs < endMs) return { startMs, endMs };
  }
  return undefined;
}

/** "HH:MM" (00:00-24:00) as [hours, minutes], or undefined. */
export function parseTimeOfDay(s: string): [number, number] | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return [h, min];
}

/** After "every": `MON,FRI 09:00-18:00 Asia/Seoul`, `month on days -1,1 00:00-24:00 UTC`, `day 22:00-06:00 (overnight) UTC`. */
export function describeRecurrence(rule: RecurrenceRule): string {
  const on = rule.days ? rule.days.join(',') : rule.monthDays ? `month on days ${rule.monthDays.join(',')}` : 'day';
  const overnight = minutes(rule.to) <= minutes(rule.from) ? ' (overnight)' : '';
  return `${on} ${rule.from}-${rule.to}${overnight} ${rule.timezone}`;
}

interface LocalDate {
  year: number;
  /** 0-11 */
  month: number;
  day: number;
}

function occursOn(rule: RecurrenceRule, d: LocalDate): boolean {
  if (rule.days) return rule.days.includes(WEEKDAYS[new Date(Date.UTC(d.year, d.month, d.day)).getUTCDay()]);
  if (rule.monthDays) {
    const length = new Date(Date.UTC(d.year, d.month + 1, 0)).getUTCDate();
    return rule.monthDays.some((n) => (n > 0 ? n === d.day : length + 1 + n === d.day));
  }
  return true;
}

function hhmm(s: string): [number, number] {
  const t = parseTimeOfDay(s);
  if (!t) throw new Error(`not a time of day: ${s}`);
  return t;
}

function minutes(s: string): number {
  const [h, m] = hhmm(s);
  return h * 60 + m;
}

function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month, d.day) + n * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth(), day: t.getUTCDate() };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `timeZone` at `ms`, as if it were UTC. */
function wallMs(ms: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
}

function localDate(ms: number, timeZone: string): LocalDate {
  const w = new Date(wallMs(ms, timeZone));
  return { year: w.getUTCFullYear(), month: w.getUTCMonth(), day: w.getUTCDate() };
}

function offsetAt(ms: number, timeZone: string): number {
  return wallMs(ms, timeZone) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of `minute` minutes after local midnight of `d` (1440 = the next midnight). A wall time
 * repeated when clocks go back is its first instant; one skipped when they go forward is shifted
 * forward by the gap (02:30 on the spring-forward night in Berlin is 03:30 CEST).
 */
function localToUtc(d: LocalDate, minute: number, timeZone: string): number {
  const wall = Date.UTC(d.year, d.month, d.day) + minute * 60_000;
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const valid = [before, after].map((o) => wall - o).filter((t) => offsetAt(t, timeZone) === wall - t);
  if (valid.length) return Math.min(...valid);
  return wall - before;
}
