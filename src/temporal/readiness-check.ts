/**
 * `drillbook readiness check` / POST /api/readiness/check: an evaluation now, as the schedule would
 * start it — a `readinessCheck` workflow per service on the programme queue — waited for a while.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { readinessScheduleId, type ReadinessCheckInput, type ReadinessCheckResult } from '../plan/readiness';
// From the queues' names, not the worker: the API loads this, and must load no activity or adapter.
import { programmeTaskQueue } from '../plan/task-queues';

export interface ReadinessCheckOutcome {
  service: string;
  workflowId: string;
  /** Absent when it had not finished within the wait (it goes on; the projection will show it). */
  result?: ReadinessCheckResult;
}

export async function checkReadinessNow(client: Client, services: string[], opts: { runQueue: string; waitMs: number }): Promise<ReadinessCheckOutcome[]> {
  const queue = programmeTaskQueue(opts.runQueue);
  const started = await Promise.all(
    services.map(async (service) => {
      const input: ReadinessCheckInput = { service, programmeTaskQueue: queue };
      const workflowId = `${readinessScheduleId(service)}-now-${randomUUID().slice(0, 8)}`;
      const handle = await client.workflow.start('readinessCheck', { workflowId, taskQueue: queue, args: [input] });
      return { service, workflowId, handle };
    }),
  );
  const deadline = sleep(opts.waitMs, undefined, { ref: false });
  return Promise.all(
    started.map(async ({ service, workflowId, handle }) => {
      const result = await Promise.race([handle.result() as Promise<ReadinessCheckResult>, deadline]);
      return { service, workflowId, ...(result ? { result } : {}) };
    }),
  );
}
