/** How reports show measured figures: a missing measurement is "not measured", never zero. */
export const NOT_MEASURED = 'not measured';

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NOT_MEASURED;
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export type Attainment = 'met' | 'missed' | 'not measured' | 'no target';

/** Achieved vs target: met, missed, or not measured (no mark recorded) — never a pass by default. */
export function attainment(achievedMs: number | null, targetMs: number | null): Attainment {
  if (targetMs === null) return 'no target';
  if (achievedMs === null) return 'not measured';
  return achievedMs <= targetMs ? 'met' : 'missed';
}

/** int8 as pg returns it (a string), or null. */
export function msOrNull(value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
