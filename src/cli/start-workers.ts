/**
 * Every worker a drillbook process runs: the run queue and its sites (runDrill and the step
 * activities), and the programme queue (coverage checks, threshold alerts, readiness, the notification dispatcher).
 */
import { startProgrammeWorker, programmeTaskQueue } from '../temporal/programme-worker';
import { startWorkers, type RunningWorkers, type WorkerOptions } from '../temporal/worker';

export async function startAllWorkers(opts: WorkerOptions): Promise<RunningWorkers> {
  const runs = await startWorkers(opts);
  const programme = await startProgrammeWorker({
    address: opts.address,
    namespace: opts.namespace,
    taskQueue: programmeTaskQueue(opts.taskQueue),
    db: opts.db,
    connections: opts.connections,
    security: opts.security,
    notifications: {},
  });
  return {
    done: Promise.all([runs.done, programme.done]).then(() => undefined),
    async shutdown() {
      await Promise.all([runs.shutdown(), programme.shutdown()]);
    },
  };
}
