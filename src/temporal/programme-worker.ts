/**
 * The programme worker: the coverage and readiness workflows and the programme activities (coverage
 * report, notices, threshold watcher, readiness pre-checks) on their own task queue, beside the
 * drillbook worker. Wiring only.
 */
import os from 'node:os';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createProgrammeActivities } from '../../activities/coverage-activities';
import { createReadinessActivities } from '../../activities/readiness-activities';
import type { Database } from '../audit/database';
import type { TemporalConnectionSecurity } from '../config/temporal-connection';
import { installRuntime, workflowBundle, type RunningWorkers } from './worker';

/** The programme's task queue beside a run queue: `<runQueue>-programme`. */
export function programmeTaskQueue(runQueue: string): string {
  return `${runQueue}-programme`;
}

export async function startProgrammeWorker(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
  db: Kysely<Database>;
  /** Named PostgreSQL connections (DRILLBOOK_CONNECTIONS), for readiness pre-checks that name one. */
  connections?: Record<string, string>;
  identity?: string;
  security?: TemporalConnectionSecurity;
}): Promise<RunningWorkers> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address, ...opts.security });
  const identity = opts.identity ?? `drillbook-programme@${os.hostname()}:${process.pid}`;
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    identity,
    activities: { ...createProgrammeActivities({ db: opts.db, identity }), ...createReadinessActivities({ db: opts.db, identity, connections: opts.connections }) },
    workflowBundle: await workflowBundle(),
    // The threshold watcher notices cancellation within one poll.
    shutdownGraceTime: '10s',
  });
  const done = worker.run().then(() => connection.close());
  return {
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
