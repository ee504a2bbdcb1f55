/**
 * Blackout windows (month-end closing, change freezes, business hours) and when a drill due at a
 * given instant may start. Pure and free of Node built-ins: the scheduled-drill workflow uses it.
 */
import { describeRecurrence, recurringOccurrenceAt, type RecurrenceRule } from './recurring-blackout';

/** A fixed window pinned into a schedule's action: [startMs, endMs). */
export interface FixedBlackoutWindow {
  name: string;
  startMs: number;
  endMs: number;
  reason?: string;
}

/** A recurring window pinned into a schedule's action, its time zone resolved. */
export interface RecurringBlackoutWindow {
  name: string;
  every: RecurrenceRule;
  reason?: string;
}

/** Schedules created before recurring windows carry fixed ones only; both stay readable. */
export type BlackoutWindow = FixedBlackoutWindow | RecurringBlackoutWindow;

/** A chain longer than this is cut (a rule set that never leaves a gap would otherwise never end). */
const MAX_CHAINED = 1000;

/** The window's interval in force at `atMs`, if any. */
export function windowAt(w: BlackoutWindow, atMs: number): { startMs: number; endMs: number } | undefined {
  if ('every' in w) return recurringOccurrenceAt(w.every, atMs);
  return w.startMs <= atMs && atMs < w.endMs ? { startMs: w.startMs, endMs: w.endMs } : undefined;
}

/**
 * When a drill due at `atMs` may start: undefined when no window covers `atMs`; otherwise the end of
 * the covering window, or of the windows that overlap or adjoin it (a freeze right after closing,
 * the first of the month after the last). Each window is named once.
 */
export function deferralEnd(windows: readonly BlackoutWindow[], atMs: number): { untilMs: number; windows: string[] } | undefined {
  let until = atMs;
  const hit: string[] = [];
  for (let moved = true, rounds = 0; moved && rounds < MAX_CHAINED; rounds++) {
    moved = false;
    for (const w of windows) {
      const occurrence = windowAt(w, until);
      if (occurrence) {
        until = occurrence.endMs;
        if (!hit.includes(w.name)) hit.push(w.name);
        moved = true;
      }
    }
  }
  return hit.length ? { untilMs: until, windows: hit } : undefined;
}

/** One line for people: `closing: 2027-01-13T15:00:00.000Z - 2027-01-15T15:00:00.000Z` or the rule. */
export function describeBlackout(w: BlackoutWindow): string {
  const when = 'every' in w ? `every ${describeRecurrence(w.every)}` : `${new Date(w.startMs).toISOString()} - ${new Date(w.endMs).toISOString()}`;
  return `${w.name}: ${when}${w.reason ? ` (${w.reason})` : ''}`;
}
