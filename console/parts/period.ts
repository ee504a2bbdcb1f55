/** The report period chosen on a page (`?period=2026-H2` in the address), and the choices offered. */
import { html } from '../html.js';
import { navigate } from '../router.js';

export function currentHalf(now = new Date()): string {
  return `${now.getUTCFullYear()}-H${now.getUTCMonth() < 6 ? 1 : 2}`;
}

/** This half-year and the five before it, newest first. */
export function recentHalves(now = new Date()): string[] {
  const out: string[] = [];
  let year = now.getUTCFullYear();
  let half = now.getUTCMonth() < 6 ? 1 : 2;
  for (let i = 0; i < 6; i++) {
    out.push(`${year}-H${half}`);
    if (half === 1) {
      year--;
      half = 2;
    } else half = 1;
  }
  return out;
}

/** A search form (it changes nothing: it moves the page to another period). */
export function PeriodPicker({ page, period, choices = recentHalves() }: { page: string; period: string; choices?: string[] }) {
  const all = choices.includes(period) ? choices : [period, ...choices];
  return html`<form role="search" class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
    <label>Period
      <select value=${period} onChange=${(e: Event) => navigate(`${page}?period=${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
        ${all.map((p) => html`<option value=${p}>${p}</option>`)}
      </select>
    </label>
  </form>`;
}
