/** Report periods: `2026-H2`, `2026-Q1`, `2026`, read in the programme's time zone. */
import { zonedMidnight } from '../coverage/periods';

export interface ReportPeriod {
  id: string;
  start: Date;
  /** Exclusive. */
  end: Date;
}

/** @throws Error naming the expected forms. */
export function parsePeriod(id: string, timeZone: string): ReportPeriod {
  const m = /^(\d{4})(?:-(H[12]|Q[1-4]))?$/.exec(id);
  if (!m) throw new Error(`period "${id}": expected YYYY, YYYY-H1, YYYY-H2 or YYYY-Q1..Q4`);
  const year = Number(m[1]);
  const [startMonth, months] = !m[2] ? [0, 12] : m[2][0] === 'H' ? [(Number(m[2][1]) - 1) * 6, 6] : [(Number(m[2][1]) - 1) * 3, 3];
  const endMonth = startMonth + months;
  return {
    id,
    start: zonedMidnight(year, startMonth, 1, timeZone),
    end: zonedMidnight(year + Math.floor(endMonth / 12), endMonth % 12, 1, timeZone),
  };
}

/** The half-year id of an instant in `timeZone`. */
export function halfYearOf(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(at);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  return `${year}-H${month <= 6 ? 1 : 2}`;
}
