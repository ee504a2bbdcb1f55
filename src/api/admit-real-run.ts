/**
 * The API's gate in front of a real run (failover, failback): its runbook version must be registered
 * (src/real-runs/registrations.ts), and every service it touches free (src/real-runs/service-locks.ts).
 * Drills pass straight through: they run any valid runbook, side by side.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { Mode, Plan } from '../plan/types';
import { holderEndedFrom } from '../real-runs/holder-ended';
import { isRealMode } from '../real-runs/real-modes';
import { isRegistered } from '../real-runs/registrations';
import { acquireServiceLocks, releaseServiceLocks } from '../real-runs/service-locks';
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
  const { db, temporal } = deps;
  if (!(await isRegistered(db, run.planHash))) {
    throw new ApiError(
      403,
      'runbook_not_registered',
      `a ${run.mode} runs only from a registered runbook version: plan ${run.planHash} (${run.plan.runbook.name} ${run.plan.runbook.version}) is not registered — an admin registers it with \`drillbook runbook register FILE --reason …\``,
      'runbook',
    );
  }
  const outcome = await acquireServiceLocks(db, { runId, mode: run.mode, services: run.plan.services, actor: run.actor }, holderEndedFrom(db, temporal));
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
