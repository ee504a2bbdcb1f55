/** A campaign's phases on one timeline: an inline SVG, one bar (`rect.phase-bar`) per phase execution. */
import type { CampaignPhaseExecution } from '../campaign-dossier';
import { formatMs } from '../measures';
import { esc } from './escape';

const ROW = 26;
const LABEL = 220;
const WIDTH = 760;

const COLOUR: Record<string, string> = { completed: '#2e7d32', failed: '#c62828', aborted: '#c62828', skipped: '#f9a825', running: '#1565c0', paused: '#f9a825' };

export function campaignTimelineSvg(phases: readonly CampaignPhaseExecution[], campaign: { startedAt: string; endedAt: string | null }): string {
  const timed = phases.filter((p) => p.startedAt !== null);
  if (!timed.length) return '<p>No phase was started.</p>';
  const t0 = Date.parse(campaign.startedAt);
  const end = (p: CampaignPhaseExecution) => Date.parse(p.endedAt ?? p.startedAt!);
  const t1 = Math.max(campaign.endedAt ? Date.parse(campaign.endedAt) : 0, ...timed.map(end));
  const span = Math.max(1, t1 - t0);
  const scale = (WIDTH - LABEL - 10) / span;
  const height = timed.length * ROW + 30;
  const bars = timed.map((p, i) => {
    const start = Date.parse(p.startedAt!);
    const x = LABEL + (start - t0) * scale;
    const w = Math.max(2, (end(p) - start) * scale);
    const y = i * ROW + 4;
    const label = `${p.phaseId}${p.execution > 1 ? ` #${p.execution}` : ''} (${p.runbook})`;
    return `<text x="4" y="${y + 15}" font-size="11">${esc(label)}</text>` +
      `<rect class="phase-bar" data-phase="${esc(p.phaseId)}" data-execution="${p.execution}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${COLOUR[p.state] ?? '#9e9e9e'}">` +
      `<title>${esc(`${p.phaseId}: ${p.state}${p.verdict ? `, verdict ${p.verdict}` : ''}, ${formatMs(p.durationMs)}`)}</title></rect>`;
  });
  const axis = `<text x="${LABEL}" y="${height - 6}" font-size="10">0</text><text x="${WIDTH - 80}" y="${height - 6}" font-size="10">${esc(formatMs(span))}</text>`;
  return `<svg class="campaign-timeline" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${bars.join('')}${axis}</svg>`;
}
