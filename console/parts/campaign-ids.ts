/**
 * Which rows of the runs list are campaigns, told from their ids (the list does not say): a campaign's
 * id is `campaign-<name>-…` and its runs row carries the campaign's name as its runbook; a phase's run
 * is `<campaignId>.<phaseId>` (then `-2`, `-3` after retries). Run ids start with their mode, never
 * `campaign-`.
 */

export function isCampaignRow(row: { runId: string; runbook: string }): boolean {
  return row.runId.startsWith(`campaign-${row.runbook}-`) && !row.runId.slice(`campaign-${row.runbook}-`.length).includes('.');
}

/** The campaign a phase's run belongs to, or undefined when the run is no phase. */
export function campaignOfPhaseRun(runId: string): string | undefined {
  if (!runId.startsWith('campaign-')) return undefined;
  const dot = runId.lastIndexOf('.');
  return dot > 'campaign-'.length ? runId.slice(0, dot) : undefined;
}
