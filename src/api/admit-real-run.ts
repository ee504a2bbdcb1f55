/**
 * The API's gate in front of a real run (failover, failback) — and of a campaign with real phases: its
 * runbook versions must be registered (src/real-runs/registrations.ts), and every service it touches
 * free (src/real-runs/service-locks.ts). Drills pass straight through: they run any valid runbook,
 * side by side.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { Mode, Plan } from '../plan/types';
import { holderEndedFrom } from '../real-runs/holder-ended';
import { isRealMode } from '../real-runs/real-modes';
import { isRegistered } from '../real-runs/registrations';
import { acquireServiceLocks, releaseServiceLocks } from '../real-runs/service-locks';
import { campaignIdFor } from '../temporal/start-campaign';
import { runIdFor } from '../temporal/start-run';
import { ApiError } from './errors';

export interface AdmittedRun {
  /** The new run's workflow ID (unique, never reused). */
  runId: string;
  /** Starts the workflow with `start`; a failed start releases the locks taken for it. */
  start<T>(start: (runId: string) => Promise<T>): Promise<T>;
}

/**
 * Admits a run, taking its services' locks when it is real.
 * @throws ApiError 403 `runbook_not_registered`; 409 `run_already_active` naming the run that holds a service.
 */
export async function admitRun(
  deps: { db: Kysely<Database>; temporal: Client },
  run: { plan: Plan; planHash: string; mode: Mode; actor: string },
): Promise<AdmittedRun> {
  const runId = runIdFor(run);
  if (!isRealMode(run.mode)) return { runId, start: (start) => start(runId) };
  await mustBeRegistered(deps.db, run, `a ${run.mode} runs only from a registered runbook version`);
  return lockServices(deps, { runId, mode: run.mode, services: run.plan.services, actor: run.actor });
}

/**
 * Admits a campaign whose phases include real ones (failover, failback) as a real run is admitted:
 * each real phase's runbook version registered, and the services of the real phases free — locked
 * under the campaign's id for all of it (released when the campaign ends). A campaign of drills only
 * passes straight through.
 * @throws ApiError 403 `runbook_not_registered` naming the phase and its runbook; 409 `run_already_active`.
 */
export async function admitCampaign(
  deps: { db: Kysely<Database>; temporal: Client },
  campaign: { name: string; phases: ReadonlyArray<{ id: string; runbookFile: string; mode: Mode; plan: Plan; planHash: string }>; actor: string },
): Promise<AdmittedRun> {
  const runId = campaignIdFor(campaign.name);
  const real = campaign.phases.filter((p) => isRealMode(p.mode));
  if (!real.length) return { runId, start: (start) => start(runId) };
  for (const phase of real) {
    await mustBeRegistered(deps.db, phase, `campaign ${campaign.name}: phase "${phase.id}" runs ${phase.runbookFile} in mode ${phase.mode}, and a ${phase.mode} runs only from a registered runbook version`);
  }
  const services = [...new Set(real.flatMap((p) => p.plan.services))].sort();
  return lockServices(deps, { runId, mode: real[0].mode, services, actor: campaign.actor });
}

async function mustBeRegistered(db: Kysely<Database>, run: { plan: Plan; planHash: string }, why: string): Promise<void> {
  if (await isRegistered(db, run.planHash)) return;
  throw new ApiError(
    403,
    'runbook_not_registered',
    `${why}: plan ${run.planHash} (${run.plan.runbook.name} ${run.plan.runbook.version}) is not registered — an admin registers it with \`drillbook runbook register FILE --reason …\``,
    'runbook',
  );
}

/** Takes the services' locks for `runId`; the start that follows releases them if it fails. */
async function lockServices(deps: { db: Kysely<Database>; temporal: Client }, lock: { runId: string; mode: Mode; services: readonly string[]; actor: string }): Promise<AdmittedRun> {
  const { db, temporal } = deps;
  const { runId } = lock;
  const outcome = await acquireServiceLocks(db, lock, holderEndedFrom(db, temporal));
  if (!outcome.acquired) {
    const h = outcome.holder;
    throw new ApiError(
      409,
      'run_already_active',
      `service ${h.service} is held by the ${h.mode} run ${h.runId} (started by ${h.acquiredBy} at ${h.acquiredAt.toISOString()}): one real run per service at a time`,
    );
  }
  return {
    runId,
    async start(start) {
      try {
        return await start(runId);
      } catch (err) {
        // Unless the start went through after all (an answer lost on the way back): then the run holds them.
        const started = await temporal.workflow.getHandle(runId).describe().then(() => true, () => false);
        if (!started) await releaseServiceLocks(db, runId);
        throw err;
      }
    },
  };
}
