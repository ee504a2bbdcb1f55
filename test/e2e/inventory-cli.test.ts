/**
 * The programme commands as a user runs them (bin/drillbook.js, built): validate flags a runbook
 * whose RTO disagrees with the inventory; a broken inventory is refused at file:line:col and changes
 * nothing; apply, coverage, and schedule create / next / pause / list against the real dev server;
 * check and schedule create list the blackout windows (a recurring one by its rule).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { programmeDb } from '../../src/inventory/tables';
import { destroyTestDb, isolatedTestDb, testDbUrl, uniqueId } from '../support/db';
import { temporalAddress, testClient } from '../support/temporal';
import { runCli, type CliOutcome } from '../support/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'inv-cli-'));
const tag = uniqueId('c').slice(2, 10);
let db: Kysely<Database>;

function drillbook(...args: string[]): Promise<CliOutcome> {
  return runCli(args, { cwd: dir, env: { TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: testDbUrl(db), DRILLBOOK_TASK_QUEUE: `cli-${tag}` } });
}

beforeAll(async () => {
  db = await isolatedTestDb();
  writeFileSync(
    path.join(dir, 'pay.yaml'),
    `apiVersion: drillbook/v1\nname: pay-${tag}\nversion: "1"\nowners: [ops@example]\nservices: [pay-${tag}]\nobjectives:\n  rto: 45s\nsteps:\n  - { id: one, title: one, kind: action, action: { adapter: noop } }\n`,
  );
  writeFileSync(
    path.join(dir, 'inventory.yaml'),
    `apiVersion: drillbook/v1\nkind: ServiceInventory\ntimezone: Asia/Seoul\nservices:\n  - name: pay-${tag}\n    owner: ops@example\n    criticality: critical\n    sites: [a]\n    objectives: { rto: 30s, rpo: 0s }\n    runbooks:\n      - file: pay.yaml\n        schedule: { months: [JANUARY, JULY], day: 15, at: "10:00" }\nblackouts:\n  - name: month-end\n    every: { monthDays: [-1], from: "00:00", to: "24:00" }\n    reason: closing\n`,
  );
  writeFileSync(path.join(dir, 'broken.yaml'), `apiVersion: drillbook/v1\nkind: ServiceInventory\nservices:\n  - name: x\n    ownr: y\n`);
});

afterAll(async () => {
  const { client, close } = await testClient();
  await client.schedule.getHandle(`drill-pay-${tag}-pay-${tag}`).delete().catch(() => undefined);
  await close();
  if (db) await destroyTestDb(db);
});

test('validate warns at objectives.rto where the runbook disagrees with the inventory', async () => {
  const out = await drillbook('validate', '--inventory', 'inventory.yaml', 'pay.yaml');
  expect(out.code).toBe(0);
  expect(out.stdout).toContain(`pay.yaml:7:8: warning: RTO 45s differs from the inventory's RTO target for "pay-${tag}" (30s, inventory.yaml)`);
});

test('a broken inventory is refused at file:line:col and changes nothing', async () => {
  const out = await drillbook('inventory', 'apply', 'broken.yaml');
  expect(out.code).toBe(1);
  expect(out.stderr).toContain('broken.yaml:5:5: error: unknown key "ownr"; did you mean "owner"?');
  expect(await programmeDb(db).selectFrom('services').selectAll().execute()).toEqual([]);
});

test('apply, coverage, and schedule create / next / pause / list', async () => {
  const checked = await drillbook('inventory', 'check', 'inventory.yaml');
  expect(checked.code).toBe(0);
  expect(checked.stdout).toContain('  blackout month-end: every month on days -1 00:00-24:00 Asia/Seoul (closing); services: all');
  const applied = await drillbook('inventory', 'apply', 'inventory.yaml', '--json');
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout)).toMatchObject({ added: [`pay-${tag}`], blackouts: 1 });
  expect(await programmeDb(db).selectFrom('blackout_windows').select(['name', 'starts_at', 'recurrence']).execute()).toEqual([
    { name: 'month-end', starts_at: null, recurrence: { monthDays: [-1], from: '00:00', to: '24:00' } },
  ]);
  expect(applied.stderr).toContain('warning: runbook');

  const coverage = await drillbook('coverage', '--json');
  expect(coverage.code).toBe(0);
  const report = JSON.parse(coverage.stdout) as { services: { service: string; status: string; objectiveMismatches: unknown[] }[] };
  expect(report.services).toMatchObject([{ service: `pay-${tag}`, status: 'due' }]);
  expect(report.services[0].objectiveMismatches).toHaveLength(1);

  const id = `drill-pay-${tag}-pay-${tag}`;
  // --no-readiness: syncing readiness schedules deletes those of services this file does not list,
  // and other test files on this Temporal server keep theirs (test/e2e/readiness.test.ts).
  const created = await drillbook('schedule', 'create', 'inventory.yaml', '--no-coverage', '--no-readiness');
  expect(created.code).toBe(0);
  expect(created.stdout).toContain(`created ${id}`);
  expect(created.stdout).toContain('  blackout month-end: every month on days -1 00:00-24:00 Asia/Seoul (closing)');
  const next = await drillbook('schedule', 'next', id, '--json', '-n', '2');
  const times = JSON.parse(next.stdout) as string[];
  expect(times).toHaveLength(2);
  // 10:00 KST on the 15th is 01:00 UTC.
  for (const t of times) expect(t).toMatch(/^\d{4}-(01|07)-15T01:00:00\.000Z$/);

  expect((await drillbook('schedule', 'pause', id, '--note', 'audit week')).code).toBe(0);
  const list = JSON.parse((await drillbook('schedule', 'list', '--json')).stdout) as { scheduleId: string; paused: boolean; pin?: { planHash: string } }[];
  const mine = list.find((s) => s.scheduleId === id)!;
  expect(mine.paused).toBe(true);
  expect(mine.pin?.planHash).toMatch(/^[0-9a-f]{64}$/);
  expect((await drillbook('schedule', 'next', 'drill-nope')).code).toBe(4);
});
