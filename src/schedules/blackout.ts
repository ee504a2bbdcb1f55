/**
 * Blackout windows (month-end closing, change freezes) as absolute intervals, and when a drill due
 * at a given instant may start. Pure and import-free: the scheduled-drill workflow uses it.
 */

/** A window pinned into a schedule's action: [startMs, endMs). */
export interface BlackoutWindow {
  name: string;
  startMs: number;
  endMs: number;
  reason?: string;
}

/**
 * When a drill due at `atMs` may start: undefined when no window covers `atMs`; otherwise the end of
 * the covering window, or of the windows that overlap or adjoin it (a freeze right after closing).
 */
export function deferralEnd(windows: readonly BlackoutWindow[], atMs: number): { untilMs: number; windows: string[] } | undefined {
  let until = atMs;
  const hit: string[] = [];
  for (let moved = true; moved; ) {
    moved = false;
    for (const w of windows) {
      if (w.startMs <= until && until < w.endMs) {
        until = w.endMs;
        hit.push(w.name);
        moved = true;
      }
    }
  }
  return hit.length ? { untilMs: until, windows: hit } : undefined;
}
