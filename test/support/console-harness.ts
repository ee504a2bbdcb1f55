/**
 * What a console browser test runs against: the real API server (drillbook serve's app) with the
 * console built, a real worker on a queue of its own, the test Temporal dev server, a database of its
 * own, a loopback API for the runbooks' HTTP steps, and Chromium.
 */
import type { Browser } from 'playwright-core';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import type { RunningWorkers } from '../../src/temporal/worker';
import { startTestApi, type TestApi } from './api';
import { launchBrowser } from './browser';
import { buildConsole } from './console';
import { destroyTestDb, isolatedTestDb } from './db';
import { answerJson, startScriptedApi, type ScriptedApi } from './scripted-api';
import { testClient, testWorkers, uniqueQueue } from './temporal';

export interface ConsoleHarness {
  db: Kysely<Database>;
  api: TestApi;
  loopback: ScriptedApi;
  browser: Browser;
  /** Starts a drill through the API as `token`'s user. @returns the run id. */
  start(token: string, runbook: string, params?: Record<string, string>): Promise<string>;
  /** The run's audit events of `type`. */
  events(runId: string, type: string): Promise<{ actor: string; at: Date; data: any; stepId: string | null }[]>;
  close(): Promise<void>;
}

export async function startConsoleHarness(name: string): Promise<ConsoleHarness> {
  const db = await isolatedTestDb();
  const taskQueue = uniqueQueue(name);
  const [temporal, workers, loopback] = await Promise.all([testClient(), testWorkers(db, taskQueue) as Promise<RunningWorkers>, startScriptedApi((_p, res) => answerJson(res, { ok: true })), buildConsole()]);
  const api = await startTestApi(db, temporal.client, taskQueue);
  const browser = await launchBrowser();
  return {
    db,
    api,
    loopback,
    browser,
    async start(token, runbook, params = {}) {
      const response = await fetch(`${api.url}/api/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ runbook, file: `${name}.yaml`, mode: 'drill', params: { base: loopback.base, ...params }, reason: `console test ${name}` }),
      });
      const body = (await response.json()) as { runId?: string };
      if (response.status !== 201) throw new Error(`start refused: ${response.status} ${JSON.stringify(body)}`);
      return body.runId!;
    },
    async events(runId, type) {
      const rows = await db.selectFrom('audit_events').select(['actor', 'at', 'data', 'step_id']).where('run_id', '=', runId).where('type', '=', type).orderBy('seq').execute();
      return rows.map((r) => ({ actor: r.actor, at: r.at, data: r.data, stepId: r.step_id }));
    },
    async close() {
      await browser.close().catch(() => undefined);
      await api.close();
      await workers.shutdown();
      await temporal.close();
      loopback.close();
      await destroyTestDb(db);
    },
  };
}

/**
 * The harness of one test file: started in beforeAll, closed in afterAll. The object is filled in when
 * the file's tests run (use it inside tests and hooks only).
 */
export function useConsoleHarness(name: string): ConsoleHarness {
  const h = {} as ConsoleHarness;
  beforeAll(async () => {
    Object.assign(h, await startConsoleHarness(name));
  }, 120_000);
  afterAll(async () => {
    await h.close?.();
  }, 60_000);
  return h;
}

/** A drill runbook of the payments service taking the loopback's `base`: its header, then `body` (steps, guards). */
export function drillRunbook(name: string, body: string, opts: { rto?: string; modes?: string; version?: string; params?: string } = {}): string {
  return `
apiVersion: drillbook/v1
name: ${name}
version: "${opts.version ?? '1.0.0'}"
owners: [infra-payments@bank.example]
services: [payments]
objectives: { rto: ${opts.rto ?? '5m'} }
modes: [${opts.modes ?? 'drill'}]
params:
  base: { type: string, required: true${opts.params ?? ''} }
${body.replace(/^\n/, '')}`;
}
