/** A campaign as text (`campaign status`, `status`, `watch`, the demo): a line per phase, then the total. */
import type { PhaseRecord } from '../plan/campaign';
import { formatDuration } from '../plan/duration';
import { capacityFromFigures, capacityText } from '../reports/capacity-figures';
import type { CampaignStatus } from '../temporal/campaign-status';

/** A phase's figures: the DR capacity as one ratio when they are the capacity check's, else as JSON (cut short: `--json` has them whole). */
function figures(p: PhaseRecord): string {
  if (!p.figures) return '';
  const capacity = capacityFromFigures(p.figures);
  if (capacity) return `  capacity ${capacityText(capacity)}`;
  const json = JSON.stringify(p.figures);
  return `  figures ${json.length > 160 ? `${json.slice(0, 160)}…` : json}`;
}

export function renderCampaign(answer: CampaignStatus): string {
  const c = answer.campaign;
  const ms = (v: number | undefined | null) => (v === undefined || v === null ? '-' : formatDuration(v));
  const against = (measured: number | undefined, target: number | undefined, met: boolean | undefined) =>
    `${ms(measured)}${target !== undefined ? ` / ${ms(target)}${met === false ? ' MISSED' : ''}` : ''}`;
  const lines = [`campaign ${c.campaignId} (${c.campaign}): ${c.state}${c.verdict ? `, verdict ${c.verdict}` : ''}`];
  for (const p of c.phases as PhaseRecord[]) {
    lines.push(
      `  ${p.id.padEnd(18)} ${String(p.state).padEnd(9)} ${p.runId ?? ''}  ${ms(p.durationMs)}  RTO ${against(p.rtoMs, p.targets?.rtoMs, p.rtoMet)}  RPO ${against(p.rpoMs, p.targets?.rpoMs, p.rpoMet)}` +
        figures(p) +
        (p.skipReason ? `  (${p.skipReason})` : ''),
    );
  }
  if (c.awaitingDecision) lines.push(`  waiting for a decision on phase ${c.awaitingDecision.phaseId}: ${c.awaitingDecision.error}`);
  lines.push(`  total ${ms(c.durationMs)}`);
  return `${lines.join('\n')}\n`;
}
