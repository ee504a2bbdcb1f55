/**
 * The coverage workflow over a seeded history, on the real dev server and a database of its own: the
 * loopback webhook receiver gets exactly one notice per service due soon or overdue — none for the
 * drilled ones — and running the check again the same day sends nothing more. The report flags a
 * runbook whose RTO disagrees with the inventory.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { recordRunEnded, recordRunStarted } from '../../src/audit/runs';
import { coverageReport } from '../../src/coverage/query';
import { applyInventory } from '../../src/inventory/apply';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadInventoryText } from '../../src/inventory/load';
import { programmeDb } from '../../src/inventory/tables';
import { startProgrammeWorker } from '../../src/temporal/programme-worker';
import type { RunningWorkers } from '../../src/temporal/worker';
import { coverageCheck } from '../../workflows/coverage';
import { destroyTestDb, isolatedTestDb, uniqueId } from '../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let programme: RunningWorkers;
let receiver: http.Server;
const received: { message: string; data: { kind: string; service: string } }[] = [];
const queue = uniqueQueue('coverage');
const DAY = 86_400_000;

beforeAll(async () => {
  db = await isolatedTestDb();
  ({ client, close: closeClient } = await testClient());
  programme = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: queue, db });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notices`;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'coverage-'));
  const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
  for (const n of names) {
    writeFileSync(
      path.join(dir, `${n}.yaml`),
      `apiVersion: drillbook/v1\nname: ${n}-dr\nversion: "1"\nowners: [ops@example]\nservices: [${n}]\nobjectives: { rto: ${n === 'echo' ? '1m' : '30s'} }\nsteps:\n  - { id: one, title: one, kind: action, action: { adapter: noop } }\n`,
    );
  }
  const services = names
    .map((n) => `  - name: ${n}\n    owner: ${n}-team\n    criticality: critical\n    sites: [a]\n    objectives: { rto: 30s, rpo: 0s }\n    runbooks: [{ file: ${n}.yaml }]\n`)
    .join('');
  const loaded = loadInventoryText(`apiVersion: drillbook/v1\nkind: ServiceInventory\ntimezone: UTC\nnotifications: { webhook: "${webhook}" }\nservices:\n${services}`, path.join(dir, 'inventory.yaml'), adapterRegistry);
  expect(loaded.diagnostics.map((d) => d.code)).toEqual(['objectives.disagree']);
  await applyInventory(db, loaded.inventory!, 'test');
  const plans = Object.fromEntries(loaded.inventory!.services.map((s) => [s.name, s.runbooks[0]]));

  // The history, in UTC, computed here independently of src/coverage/periods.ts.
  const now = new Date();
  const y = now.getUTCFullYear();
  const half = now.getUTCMonth() < 6 ? 0 : 6;
  const current = Date.UTC(y, half, 1);
  const previous = half === 6 ? Date.UTC(y, 0, 1) : Date.UTC(y - 1, 6, 1);
  const longAgo = new Date(previous - 400 * DAY);
  // Every service but delta has been in the inventory for years.
  await programmeDb(db).updateTable('services').set({ first_applied_at: longAgo, entry_changed_at: longAgo }).where('name', '!=', 'delta').execute();
  const seed = async (service: string, endedAt: number, planHash = plans[service].planHash) => {
    const runId = uniqueId(`seed-${service}`);
    const plan = plans[service].plan;
    await recordRunStarted(db, {
      runId, runbookName: plan.runbook.name, runbookVersion: '1', planHash, plan: plan as never, mode: 'drill', params: {},
      services: [service], initiator: 'seed', reason: 'seeded history', objectives: plan.objectives, startedAt: new Date(endedAt - 60_000),
    });
    await recordRunEnded(db, { runId, status: 'completed', verdict: 'pass', endedAt: new Date(endedAt), rtoMs: 1000, rpoMs: 0 });
  };
  await seed('alpha', current + 3_600_000); // drilled this half
  await seed('bravo', previous + DAY); // drilled last half only: due
  await seed('charlie', previous - 30 * DAY); // nothing in the last half: overdue
  await seed('echo', current + 7_200_000, 'f'.repeat(64)); // drilled this half with an older plan
});

afterAll(async () => {
  await programme?.shutdown();
  await closeClient?.();
  receiver?.close();
  if (db) await destroyTestDb(db);
});

test('the webhook gets exactly the due-soon and overdue notices, once', async () => {
  // A horizon longer than any half-year: every due service is "due soon".
  const args = [{ programmeTaskQueue: queue, dueWithinMs: 400 * DAY }] as const;
  const result = await client.workflow.execute(coverageCheck, { taskQueue: queue, workflowId: uniqueId('coverage'), args: [...args] });
  expect(result).toMatchObject({ drilled: ['alpha', 'echo'], due: ['bravo', 'delta'], overdue: ['charlie'], changedSinceDrill: ['echo'] });
  expect(received.map((r) => [r.data.service, r.data.kind]).sort()).toEqual([
    ['bravo', 'due-soon'],
    ['charlie', 'overdue'],
    ['delta', 'due-soon'],
  ]);

  const again = await client.workflow.execute(coverageCheck, { taskQueue: queue, workflowId: uniqueId('coverage'), args: [...args] });
  expect(again.sent).toEqual([]);
  expect(received).toHaveLength(3);
  const audited = await db.selectFrom('audit_events').select(['type', 'data']).where('chain_id', '=', 'programme').where('type', '=', 'coverage.notified').execute();
  expect(audited).toHaveLength(3);
});

test('the coverage report flags the runbook whose RTO disagrees with the inventory', async () => {
  const report = await coverageReport(db, new Date());
  const echo = report.services.find((s) => s.service === 'echo')!;
  expect(echo.objectiveMismatches).toMatchObject([{ objective: 'rto', runbookMs: 60_000, inventoryMs: 30_000, runbook: 'echo-dr' }]);
  expect(report.services.filter((s) => s.objectiveMismatches.length).map((s) => s.service)).toEqual(['echo']);
});
