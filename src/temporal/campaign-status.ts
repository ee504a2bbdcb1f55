/**
 * A campaign's status, as GET /api/campaigns/:id answers it and `drillbook status` shows it: live
 * from Temporal (its getCampaignProgress query), or from the audit trail once Temporal forgot it (its
 * `runs` row and the record its end event keeps).
 */
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { getRun } from '../audit/runs';
import { getCampaignProgress, type CampaignProgress, type PhaseRecord } from '../plan/campaign';
import type { Json } from '../plan/types';

export interface CampaignStatus {
  source: 'temporal' | 'audit';
  campaign: Omit<CampaignProgress, 'verdict' | 'endedAt' | 'durationMs' | 'awaitingDecision'> & {
    verdict: string | null;
    endedAt: string | null;
    durationMs: number | null;
    awaitingDecision: CampaignProgress['awaitingDecision'] | null;
  };
}

/** The campaign `id`'s status; undefined when `id` is no campaign (another run's id, or nothing at all). */
export async function campaignStatus(db: Kysely<Database>, temporal: Client, id: string): Promise<CampaignStatus | undefined> {
  const run = await getRun(db, id);
  const plan = run?.plan as { kind?: string; phases?: Array<{ id: string; title: string; runbook: string; planHash: string; mode: string; targets: Json }> } | undefined;
  if (run && plan?.kind !== 'campaign') return undefined;
  // Asked first: a campaign just started may not have written its row yet.
  try {
    const progress = await temporal.workflow.getHandle(id).query(getCampaignProgress);
    return { source: 'temporal', campaign: { ...progress, verdict: progress.verdict ?? null, endedAt: progress.endedAt ?? null, durationMs: progress.durationMs ?? null, awaitingDecision: progress.awaitingDecision ?? null } };
  } catch (err) {
    // Not a campaign (a run answers no campaign query), or Temporal forgot it.
    if (!(err instanceof WorkflowNotFoundError) && !(err instanceof QueryNotRegisteredError)) throw err;
  }
  if (!run || !plan) return undefined;
  // Temporal forgot it: the record its end event keeps (phases as planned while it has none).
  const end = await db.selectFrom('audit_events').select('data').where('run_id', '=', id).where('key', '=', `${id}/-/run/ended`).executeTakeFirst();
  const record = (end?.data as { campaign?: { durationMs: number; phases: PhaseRecord[] } } | undefined)?.campaign;
  return {
    source: 'audit',
    campaign: {
      campaignId: id,
      campaign: run.runbookName,
      campaignHash: run.planHash,
      state: run.status as CampaignProgress['state'],
      verdict: run.verdict,
      startedAt: run.startedAt.toISOString(),
      endedAt: run.endedAt?.toISOString() ?? null,
      durationMs: record?.durationMs ?? null,
      initiator: run.initiator,
      phases: record?.phases ?? ((plan.phases ?? []).map((p) => ({ ...p, state: 'unknown', execution: 0 })) as unknown as PhaseRecord[]),
      awaitingDecision: null,
    },
  };
}
