/**
 * The drillbook worker: runs `runDrill` and the step activities, on the run queue and on each site's
 * queue it serves. Wiring only; the logic lives in workflows/ and activities/.
 */
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogLevel, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createStepActivities } from '../../activities/step-activities';
import { createHumanActivities } from '../../activities/human-activities';
import { createSigningActivities } from '../../activities/signing-activities';
import type { Database } from '../audit/database';
import type { TrustedKey } from '../plan/signed-actions';
import type { TemporalConnectionSecurity } from '../config/temporal-connection';
import { siteTaskQueue } from '../plan/task-queues';
import { loadTrustedKeys } from '../security/signing-keys';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

/**
 * The SDK logs every failed activity attempt at WARN; a runbook's expected retries are already in the
 * audit trail, so drillbook's workers log from DRILLBOOK_LOG_LEVEL (default WARN; ERROR in tests).
 */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.DRILLBOOK_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  // The native core's own log goes through the same logger (to stderr), never straight to stdout,
  // where it would break `--json` output.
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      process.stderr.write(`${new Date().toISOString()} [${l}] ${message}${meta ? ` ${safeJson(meta)}` : ''}\n`);
    }),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}

/** Bundles the workflow code once per process (webpack takes seconds; every Worker reuses it). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve(path.join(__dirname, '..', '..', 'workflows')),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m), log() {} } as never,
  });
  return bundle;
}

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  sites: string[];
  db: Kysely<Database>;
  connections: Record<string, string>;
  identity?: string;
  /** The front door's public keys runs verify actions with; default: DRILLBOOK_TRUSTED_KEYS (or the dev pair). */
  trustedKeys?: TrustedKey[];
  /** TLS and API key for the address (src/config/temporal-connection.ts); none for the embedded server. */
  security?: TemporalConnectionSecurity;
}

export interface RunningWorkers {
  /** Resolves when every worker has stopped (after `shutdown`, or on a fatal error). */
  done: Promise<void>;
  /** Graceful: stop polling, let running activities finish (up to the shutdown grace time). */
  shutdown(): Promise<void>;
}

export async function startWorkers(opts: WorkerOptions): Promise<RunningWorkers> {
  installRuntime();
  // Before connecting: a worker that trusts no front door key refuses to start (KeyConfigError names the variables).
  const trustedKeys = opts.trustedKeys ?? loadTrustedKeys();
  const connection = await NativeConnection.connect({ address: opts.address, ...opts.security });
  const identity = opts.identity ?? `drillbook-worker@${os.hostname()}:${process.pid}`;
  const deps = { db: opts.db, connections: opts.connections, workerIdentity: identity };
  const activities = { ...createStepActivities(deps), ...createHumanActivities(deps), ...createSigningActivities({ db: opts.db, trustedKeys }) };
  const workflowBundleCode = await workflowBundle();
  const queues = [opts.taskQueue, ...opts.sites.map(siteTaskQueue)];
  const workers = await Promise.all(
    queues.map((taskQueue, i) =>
      Worker.create({
        connection,
        namespace: opts.namespace,
        taskQueue,
        identity,
        activities,
        // Site queues run only activities; workflows live on the run queue.
        workflowBundle: i === 0 ? workflowBundleCode : undefined,
        // Long enough for an adapter to notice cancellation and clean up.
        shutdownGraceTime: '10s',
      }),
    ),
  );
  const done = Promise.all(workers.map((w) => w.run())).then(async () => {
    await connection.close();
  });
  return {
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}

/** Log metadata can hold BigInts and cycles; a log line must never throw. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(value);
  }
}
