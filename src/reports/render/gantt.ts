/** The dossier's timeline: an SVG Gantt chart, one bar (`rect.bar`) per executed step. */
import type { DossierStep } from '../dossier';
import { formatMs } from '../measures';
import { esc } from './escape';

const ROW = 22;
const LABEL = 220;
const WIDTH = 760;

export function ganttSvg(steps: readonly DossierStep[]): string {
  const timed = steps.filter((s) => s.startedAt !== null);
  if (!timed.length) return '<p>No step was executed.</p>';
  const t0 = Math.min(...timed.map((s) => Date.parse(s.startedAt!)));
  const t1 = Math.max(...timed.map((s) => Date.parse(s.endedAt ?? s.startedAt!)));
  const span = Math.max(1, t1 - t0);
  const scale = (WIDTH - LABEL - 10) / span;
  const height = timed.length * ROW + 30;
  const bars = timed.map((s, i) => {
    const start = Date.parse(s.startedAt!);
    const end = Date.parse(s.endedAt ?? s.startedAt!);
    const x = LABEL + (start - t0) * scale;
    const w = Math.max(2, (end - start) * scale);
    const y = i * ROW + 4;
    const colour = s.status === 'completed' ? '#2e7d32' : s.status === 'failed' ? '#c62828' : '#9e9e9e';
    return `<text x="4" y="${y + 14}" font-size="11">${esc(s.stepId)}${s.marks.length ? ` [${esc(s.marks.join(', '))}]` : ''}</text>` +
      `<rect class="bar" data-step="${esc(s.stepId)}" data-execution="${s.execution}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${colour}"><title>${esc(`${s.stepId}: ${s.status}, ${formatMs(s.durationMs)}`)}</title></rect>`;
  });
  const axis = `<text x="${LABEL}" y="${height - 6}" font-size="10">0</text><text x="${WIDTH - 80}" y="${height - 6}" font-size="10">${esc(formatMs(span))}</text>`;
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${bars.join('')}${axis}</svg>`;
}
