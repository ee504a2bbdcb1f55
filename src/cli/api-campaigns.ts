/**
 * Campaigns through the operators' API, for people: start one (`POST /api/campaigns` with the
 * campaign's text and each phase's runbook text; the token's user is the initiator) and follow it
 * (`GET /api/campaigns/:id`, and the running phase's own run) until it ends. Shared by
 * `drillbook campaign run`, `drillbook watch` and the demo.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedCampaign } from '../runbook/campaign';
import type { CampaignStatus } from '../temporal/campaign-status';
import { ApiClient, ApiRequestError, runPath } from './api-client';
import { progressOf, renderAnswer, type RunAnswer } from './api-runs';
import { renderCampaign } from './render-campaign';

export interface StartedCampaign {
  campaignId: string;
  campaignHash: string;
  phases: string[];
  requestId: string;
}

/** The states a campaign (or Temporal, for its workflow) ends in. */
const ENDED = new Set(['completed', 'aborted', 'failed', 'terminated', 'cancelled']);

export function campaignEnded(state: string): boolean {
  return ENDED.has(state);
}

/**
 * Starts the campaign of `file` (already loaded and checked by the caller) through the API: the
 * campaign's text and each phase's runbook text, read here, keyed by the path the campaign writes.
 */
export function startCampaignViaApi(
  api: ApiClient,
  request: { file: string; campaign: LoadedCampaign; params: Record<string, string | number | boolean>; reason: string; readinessOverride?: { reason: string } },
): Promise<StartedCampaign> {
  const dir = path.dirname(request.file);
  const runbooks = Object.fromEntries(request.campaign.phases.map((p) => [p.runbookFile, readFileSync(path.resolve(dir, p.runbookFile), 'utf8')]));
  return api.post<StartedCampaign>('/api/campaigns', {
    campaign: readFileSync(request.file, 'utf8'),
    file: path.relative(process.cwd(), request.file),
    runbooks,
    params: request.params,
    reason: request.reason,
    ...(request.readinessOverride ? { readinessOverride: request.readinessOverride } : {}),
  });
}

/** The campaign `id` as the API answers it; undefined when `id` is no campaign (a run's id, or nothing). */
export async function campaignViaApi(api: ApiClient, id: string): Promise<CampaignStatus | undefined> {
  try {
    return await api.get<CampaignStatus>(`/api/campaigns/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 404) return undefined;
    throw err;
  }
}

/** One screen of a campaign: its phases, then the steps of the phase that runs (or waits) now. */
export async function renderCampaignView(api: ApiClient, answer: CampaignStatus): Promise<string> {
  const text = renderCampaign(answer).trimEnd();
  const live = answer.campaign.phases.find((p) => (p.state === 'running' || p.state === 'paused') && p.runId);
  if (!live?.runId) return text;
  // The phase's run may not be known yet (just started): the campaign's lines stand alone meanwhile.
  const run = await api.get<RunAnswer>(runPath(live.runId)).catch(() => undefined);
  if (!run) return text;
  const phase = renderAnswer(run, await progressOf(api, run));
  return `${text}\n  phase ${live.id}:\n${phase.split('\n').map((line) => `    ${line}`).join('\n')}`;
}

/** What changes a screen for a reader of a log: the campaign's and phases' states. */
function stateKey(answer: CampaignStatus): string {
  return `${answer.campaign.state}|${answer.campaign.phases.map((p) => p.state).join(',')}`;
}

/**
 * Polls the campaign through the API until it ended (or `once`), showing each screen to `show`.
 * @returns the last answer, and whether the campaign has ended.
 */
export async function followCampaignViaApi(
  api: ApiClient,
  answer: CampaignStatus,
  opts: { show?: (text: string, key: string) => void; intervalMs: number; once?: boolean },
): Promise<{ answer: CampaignStatus; ended: boolean }> {
  const id = answer.campaign.campaignId;
  for (;;) {
    if (opts.show) opts.show(await renderCampaignView(api, answer), stateKey(answer));
    const ended = campaignEnded(answer.campaign.state);
    // Only the trail knows it (Temporal forgot it): nothing will change it any more.
    if (ended || opts.once || answer.source === 'audit') return { answer, ended };
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    answer = await api.get<CampaignStatus>(`/api/campaigns/${encodeURIComponent(id)}`);
  }
}
