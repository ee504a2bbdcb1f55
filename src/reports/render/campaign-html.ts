/**
 * A campaign's dossier as one print-friendly page (the PDF is this page): the header, the phases on
 * one timeline, a table of the phases' figures, then per phase execution a section with its figures
 * and its run's dossier, drawn by the run dossier's own rendering.
 */
import type { CampaignDossier, CampaignObjective, CampaignPhaseExecution } from '../campaign-dossier';
import { capacityText } from '../capacity-figures';
import type { Dossier } from '../dossier';
import { formatMs } from '../measures';
import { htmlToPdf } from './pdf';
import { esc } from './escape';
import { campaignTimelineSvg } from './campaign-timeline';
import { dossierHtml, page, table } from './html';

export const CAMPAIGN_DOSSIER_FORMATS = ['html', 'pdf', 'json'] as const;
export type CampaignDossierFormat = (typeof CAMPAIGN_DOSSIER_FORMATS)[number];

const cls = (a: string) => (a === 'missed' ? 'miss' : a === 'met' ? 'ok' : '');
const against = (o: CampaignObjective) => `${esc(formatMs(o.achievedMs))} / ${esc(formatMs(o.targetMs))} <span class="${cls(o.attainment)}">${esc(o.attainment)}</span>`;

/** The run dossier's page, its body only, its headings one level down: a section of this page. */
function runDossierSection(d: Dossier): string {
  const html = dossierHtml(d);
  const body = html.slice(html.indexOf('<body>') + '<body>'.length, html.lastIndexOf('</body>'));
  return body.replace(/<(\/?)h([1-4])>/g, (_m, close: string, level: string) => `<${close}h${Number(level) + 2}>`);
}

function phaseRow(p: CampaignPhaseExecution): string[] {
  return [esc(p.phaseId), String(p.execution), esc(p.runbook), esc(p.runId), esc(p.state), `<strong>${esc(p.verdict ?? '-')}</strong>`, esc(formatMs(p.durationMs)),
    against(p.rto), against(p.rpo), esc(p.targetsFrom ?? '-'), esc(capacityText(p.capacity))];
}

const PHASE_HEADER = ['phase', 'execution', 'runbook', 'run', 'state', 'verdict', 'duration', 'RTO achieved / target', 'RPO achieved / target', 'targets from', 'capacity'];

export function campaignDossierHtml(d: CampaignDossier): string {
  const s = d.summary;
  const byRun = new Map(d.dossiers.map((x) => [x.runId, x]));
  return page(`Campaign dossier: ${d.campaignId}`,
    '<h2>Summary</h2>' + table(['field', 'value'], [
      ['Campaign', `${esc(s.campaign)} ${esc(s.version)}`], ['Campaign id', esc(d.campaignId)], ['Campaign hash', `<code>${esc(s.campaignHash)}</code>`], ['Mode', esc(s.mode)],
      ['Initiator', esc(s.initiator)], ['Reason', esc(s.reason)], ['Started', esc(s.startedAt)], ['Ended', esc(s.endedAt ?? 'not ended')], ['Total duration', esc(formatMs(s.durationMs))],
      ['Status', esc(s.status)], ['Verdict', `<strong>${esc(s.verdict ?? 'none')}</strong>`],
      ['Total RTO (sum of the phases\')', esc(formatMs(d.totals.rtoMs))], ['Worst RPO', esc(formatMs(d.totals.worstRpoMs))], ['DR capacity', esc(capacityText(d.capacity))],
      ['Integrity', d.integrity.ok ? `<span class="ok">campaign chain intact: ${d.integrity.events} events</span>` : '<span class="bad">campaign chain BROKEN</span>'],
    ]) +
    '<h2>Timeline</h2>' + campaignTimelineSvg(d.phases, s) +
    '<h2>Phases</h2><p>RTO and RPO as each phase\'s run measured them from its marked steps, against the targets the campaign pinned for it.</p>' +
    table(PHASE_HEADER, d.phases.map(phaseRow)) +
    (d.notStarted.length ? `<p class="bad">Not started: ${esc(d.notStarted.map((p) => p.phaseId).join(', '))}</p>` : '') +
    (d.events.length ? '<h2>Pauses, decisions, abort</h2>' + table(['what', 'phase', 'by', 'at', 'detail'], d.events.map((e) => [esc(e.type), esc(e.phaseId ?? ''), esc(e.actor), esc(e.at), esc(e.detail)])) : '') +
    d.phases.map((p) => {
      const run = byRun.get(p.runId);
      return `<section class="phase" data-phase="${esc(p.phaseId)}" data-execution="${p.execution}"><h2>Phase ${esc(p.phaseId)}${p.execution > 1 ? ` (execution ${p.execution})` : ''}: ${esc(p.title)}</h2>` +
        table(PHASE_HEADER, [phaseRow(p)]) +
        (p.error ? `<p class="bad">${esc(p.error)}</p>` : '') + (p.skipReason ? `<p>${esc(p.skipReason)}</p>` : '') +
        (run ? runDossierSection(run) : '<p>No run recorded for this phase.</p>') + '</section>';
    }).join(''));
}

export async function renderCampaignDossier(d: CampaignDossier, format: CampaignDossierFormat): Promise<Buffer> {
  switch (format) {
    case 'json': return Buffer.from(`${JSON.stringify(d, null, 2)}\n`);
    case 'html': return Buffer.from(campaignDossierHtml(d));
    case 'pdf': return htmlToPdf(campaignDossierHtml(d));
  }
}
