/**
 * Cadence periods (calendar quarters, halves, years) read in the programme's time zone: a half-year
 * in Seoul starts at 00:00 KST on 1 January and 1 July, not at UTC midnight.
 */
import type { Cadence } from '../inventory/schema';

export interface Period {
  /** `2026-H1`, `2026-Q3`, `2026`. */
  id: string;
  start: Date;
  /** Exclusive: the deadline. */
  end: Date;
}

const MONTHS_PER: Record<Cadence, number> = { quarterly: 3, 'half-yearly': 6, yearly: 12 };

/** The period of `cadence` containing `at`, in `timeZone`. */
export function periodContaining(cadence: Cadence, at: Date, timeZone: string): Period {
  const { year, month } = zonedParts(at, timeZone);
  const len = MONTHS_PER[cadence];
  return periodStartingAt(cadence, year, Math.floor(month / len) * len, timeZone);
}

/** The period just before `period`. */
export function previousPeriod(cadence: Cadence, period: Period, timeZone: string): Period {
  const { year, month } = zonedParts(period.start, timeZone);
  const len = MONTHS_PER[cadence];
  const m = month - len;
  return periodStartingAt(cadence, m < 0 ? year - 1 : year, (m + 12) % 12, timeZone);
}

function periodStartingAt(cadence: Cadence, year: number, startMonth: number, timeZone: string): Period {
  const len = MONTHS_PER[cadence];
  const endMonth = startMonth + len;
  const start = zonedMidnight(year, startMonth, 1, timeZone);
  const end = zonedMidnight(year + Math.floor(endMonth / 12), endMonth % 12, 1, timeZone);
  const id = cadence === 'yearly' ? `${year}` : cadence === 'half-yearly' ? `${year}-H${startMonth / 6 + 1}` : `${year}-Q${startMonth / 3 + 1}`;
  return { id, start, end };
}

/** Year and 0-based month of an instant as a wall clock in `timeZone` shows it. */
export function zonedParts(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { year: get('year'), month: get('month') - 1, day: get('day') };
}

/** The instant of local midnight on year-month-day in `timeZone`. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month, day);
  // Two rounds: the offset at the guess can differ from the offset at the answer across a DST change.
  let t = guess - offsetMs(guess, timeZone);
  t = guess - offsetMs(t, timeZone);
  return new Date(t);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `ms`. */
function offsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}
