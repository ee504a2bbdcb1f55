/**
 * The programme worker: the coverage and readiness workflows and the programme activities (coverage
 * report, notices, threshold watcher, readiness pre-checks, the notification dispatcher) on their own
 * task queue, beside the drillbook worker; and, when asked, the start of the one notification
 * dispatcher of that queue. Wiring only.
 */
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createProgrammeActivities } from '../../activities/coverage-activities';
import { createReadinessActivities } from '../../activities/readiness-activities';
import { createNotificationActivities } from '../../activities/notification-activities';
import type { notificationDispatcher } from '../../workflows/notification-dispatcher';
import type { Database } from '../audit/database';
import type { TemporalConnectionSecurity } from '../config/temporal-connection';
import { installRuntime, workflowBundle, type RunningWorkers } from './worker';
// Named here too for the callers that start a programme worker (the name itself lives with the queues).
export { programmeTaskQueue } from '../plan/task-queues';

/** The fixed workflow id of a programme queue's notification dispatcher: one per queue. */
export function notificationDispatcherId(programmeQueue: string): string {
  return `drillbook-notifications-${programmeQueue}`;
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
  /** Start this queue's notification dispatcher unless it runs already (docs/notifications.md). */
  notifications?: { pollMs?: number };
}): Promise<RunningWorkers> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.address, ...opts.security });
  const identity = opts.identity ?? `drillbook-programme@${os.hostname()}:${process.pid}`;
  // The dispatcher stops within a poll once this worker is stopping (set once the worker exists).
  let stopping = () => false;
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    identity,
    activities: {
      ...createProgrammeActivities({ db: opts.db, identity }),
      ...createReadinessActivities({ db: opts.db, identity, connections: opts.connections }),
      ...createNotificationActivities({ db: opts.db, identity, stopping: () => stopping() }),
    },
    workflowBundle: await workflowBundle(),
    // The threshold watcher notices cancellation within one poll.
    shutdownGraceTime: '10s',
  });
  stopping = () => worker.getState() !== 'RUNNING';
  const done = worker.run().then(() => connection.close());
  if (opts.notifications) {
    const { pollMs } = opts.notifications;
    await keepStartingDispatcher(() => startNotificationDispatcher(opts, pollMs), () => worker.getState() === 'RUNNING');
  }
  return {
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Between two tries to start the dispatcher while Temporal cannot be reached. */
const DISPATCHER_RETRY_MS = { first: 1_000, max: 30_000 };

/**
 * Tries once, and when that fails goes on trying in the background until the dispatcher is started
 * or the worker stops: a worker that came up while the Temporal server was restarting (a fault a DR
 * tool must ride out) keeps running its queues instead of exiting over a notice dispatcher.
 */
async function keepStartingDispatcher(start: () => Promise<void>, workerRunning: () => boolean): Promise<void> {
  const attempt = async (): Promise<boolean> => {
    try {
      await start();
      return true;
    } catch (err) {
      process.stderr.write(`drillbook: the notification dispatcher could not be started yet (${(err as Error).message}); trying again\n`);
      return false;
    }
  };
  if (await attempt()) return;
  void (async () => {
    for (let waitMs = DISPATCHER_RETRY_MS.first; workerRunning(); waitMs = Math.min(waitMs * 2, DISPATCHER_RETRY_MS.max)) {
      await new Promise((r) => setTimeout(r, waitMs).unref());
      if (!workerRunning() || (await attempt())) return;
    }
  })();
}

/** Starts the queue's dispatcher; one already running is left as it is (it resumes from its cursor). */
async function startNotificationDispatcher(
  opts: { address: string; namespace: string; taskQueue: string; security?: TemporalConnectionSecurity },
  pollMs: number | undefined,
): Promise<void> {
  const connection = await Connection.connect({ address: opts.address, ...opts.security });
  try {
    await new Client({ connection, namespace: opts.namespace }).workflow.start<typeof notificationDispatcher>('notificationDispatcher', {
      workflowId: notificationDispatcherId(opts.taskQueue),
      taskQueue: opts.taskQueue,
      args: [{ programmeTaskQueue: opts.taskQueue, ...(pollMs !== undefined ? { pollMs } : {}) }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } finally {
    await connection.close();
  }
}
