/**
 * Whether the run holding a service lock has ended, so its lock may be taken over: the trail says so
 * (its `runs` row has an end, written with its `run.<outcome>` event), or Temporal has no open
 * execution of it (terminated or failed around drillbook, or forgotten after retention).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../audit/database';
import { getRun } from '../audit/runs';
import type { HolderEnded, LockHolder } from './service-locks';

/**
 * A lock taken this recently whose run Temporal does not know yet is a start in progress (the lock
 * is taken before the workflow starts), not a crash.
 */
export const START_GRACE_MS = 2 * 60_000;

export function holderEndedFrom(db: Db, temporal: Client, now: () => number = Date.now): HolderEnded {
  return async (holder: LockHolder) => {
    const run = await getRun(db, holder.runId);
    if (run?.endedAt) return true;
    try {
      const described = await temporal.workflow.getHandle(holder.runId).describe();
      return described.status.name !== 'RUNNING';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Never started (its start failed and the release was lost), or long gone from Temporal.
      return run !== undefined || now() - holder.acquiredAt.getTime() > START_GRACE_MS;
    }
  };
}
