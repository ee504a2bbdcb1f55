/**
 * RTO comes only from recorded marks: a real run (Temporal + the audit trail) whose rto.end step never
 * ran reports "not measured" in every report and format — never 0 ms, never the target.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { getRun } from '../../../src/audit/runs';
import { attainmentReport } from '../../../src/reports/attainment-report';
import { buildDossier } from '../../../src/reports/dossier';
import { renderReport } from '../../../src/reports/render-report';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';
import type { RunningWorkers } from '../../../src/temporal/worker';
import { destroyTestDb, isolatedTestDb } from '../../support/db';
import { testClient, testWorkers, uniqueQueue } from '../../support/temporal';
import { startSignedRun } from '../../support/signing';

let db: Kysely<Database>;
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
const taskQueue = uniqueQueue('not-measured');

beforeAll(async () => {
  db = await isolatedTestDb();
  workers = await testWorkers(db, taskQueue);
  temporal = await testClient();
});

afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
  await destroyTestDb(db);
});

const runbook = `
apiVersion: drillbook/v1
name: no-rto-end
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 10m }
modes: [drill, failover]
steps:
  - id: fence
    title: Fence the primary
    kind: action
    action: { adapter: noop, input: { output: { fenced: true } } }
    marks: [rto.start]
  - id: verify-write
    title: Verify a write at DR (real failover only)
    kind: action
    needs: [fence]
    when: mode == 'failover'
    action: { adapter: noop, input: { output: { wrote: true } } }
    marks: [rto.end]
`;

test('a run without an rto.end mark reports "not measured", not zero', async () => {
  const { plan, planHash, diagnostics } = loadRunbookText(runbook, 'no-rto-end.yaml', { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(JSON.stringify(diagnostics));
  const handle = await startSignedRun(temporal.client, { plan, planHash, mode: 'drill', params: {}, initiator: 'alice', reason: 'not-measured test', taskQueue });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['verify-write'].state).toBe('skipped');

  const run = await getRun(db, handle.workflowId);
  expect(run!.rtoMs).toBeNull();

  const dossier = await buildDossier(db, handle.workflowId);
  expect(dossier.objectives.rto).toMatchObject({ achievedMs: null, recordedMs: null, attainment: 'no target' });
  const html = (await renderReport(dossier, 'html')).toString();
  expect(html).toMatch(/<td>RTO<\/td><td>not measured<\/td><td>not measured<\/td>/);
  expect(html).not.toMatch(/<td>RTO<\/td><td>[^<]*<\/td><td>0 ms<\/td>/);
  const csv = (await renderReport(dossier, 'csv')).toString();
  expect(csv.split('\r\n')[1]).toContain(',not measured,');
  expect(JSON.parse((await renderReport(dossier, 'json')).toString()).objectives.rto.achievedMs).toBeNull();
  // Skipped by its condition: a deviation of the record.
  expect(dossier.deviations.some((d) => d.kind === 'skipped' && d.stepId === 'verify-write')).toBe(true);
  expect(dossier.timeline.map((t) => t.stepId)).toEqual(['fence']);
});

test('attainment against an inventory target: the same run is "not measured" against it', async () => {
  const { plan, planHash } = loadRunbookText(runbook, 'no-rto-end.yaml', { registry: adapterRegistry });
  const handle = await startSignedRun(temporal.client, { plan: plan!, planHash: planHash!, mode: 'drill', params: {}, initiator: 'alice', reason: 'not-measured test 2', taskQueue }, { workflowId: `not-measured-${Date.now()}` });
  await handle.result();
  // The inventory is the one source of targets: give payments one.
  await db.withTables<{ services: Record<string, unknown> }>().insertInto('services').values({
    name: 'payments', owner: 'team', criticality: 'critical', sites: ['a'], rto_ms: 600_000, rpo_ms: 5000, cadence: 'half-yearly', runbooks: JSON.stringify([]),
    entry: JSON.stringify({}), entry_hash: 'x', first_applied_at: new Date(), entry_changed_at: new Date(),
  } as never).execute();
  const report = await attainmentReport(db, { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });
  const row = report.rows.find((r) => r.runId === handle.workflowId)!;
  expect(row).toMatchObject({ rtoTargetMs: 600_000, rtoMs: null, rto: 'not measured' });
  const dossier = await buildDossier(db, handle.workflowId);
  expect(dossier.objectives.rto).toMatchObject({ targetMs: 600_000, achievedMs: null, attainment: 'not measured' });
  expect((await renderReport(report, 'csv')).toString()).toContain(`${handle.workflowId},`);
});
