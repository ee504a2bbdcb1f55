/**
 * A campaign is recorded as a run of its own (its `runs` row pins a plan with `kind: 'campaign'`) and
 * each phase as a child run. The phases are the drills: coverage, the coverage matrix and attainment
 * count the phase run once and never the campaign's own row. Rows written through the project's write
 * paths (applyInventory, recordRunStarted, recordRunEnded), as the campaign workflow writes them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { recordRunEnded, recordRunStarted } from '../../../src/audit/runs';
import { coverageReport } from '../../../src/coverage/query';
import { applyInventory } from '../../../src/inventory/apply';
import type { LoadedInventory } from '../../../src/inventory/load';
import { attainmentReport } from '../../../src/reports/attainment-report';
import { coverageMatrix } from '../../../src/reports/coverage-report';
import { destroyTestDb, isolatedTestDb } from '../../support/db';
import { planHash, seededPlan } from './seed-history';

let db: Kysely<Database>;

beforeAll(async () => {
  db = await isolatedTestDb();
});

afterAll(async () => {
  await destroyTestDb(db);
});

const service = 'ledger';
const plan = seededPlan(service, true, 1);
const hash = planHash(plan);
const at = (iso: string) => new Date(iso);

test("a passing campaign counts as one drill of its service (its phase), not two: the campaign's own row is not a drill", async () => {
  const inventory = {
    apiVersion: 'drillbook/v1', kind: 'ServiceInventory', timezone: 'UTC', file: 'campaign/services.yaml',
    notifications: { dueWithin: 14 * 86_400_000 }, alerts: { rtoShare: 0.8 }, blackouts: [],
    services: [{
      name: service, owner: 'ledger-team', criticality: 'critical', sites: ['site-a', 'site-b'], objectives: { rto: 600_000, rpo: 60_000 },
      alerts: {}, entryHash: 'entry-ledger',
      runbooks: [{ file: 'ledger.yaml', mode: 'drill', params: {}, expectedDurations: {}, path: '/campaign/ledger.yaml', plan, planHash: hash, resolvedParams: {} }],
    }],
  } as unknown as LoadedInventory;
  await applyInventory(db, inventory, 'test', at('2026-01-01T00:00:00Z'));

  const campaignId = 'campaign-dr-weekend-0000abcd';
  const phaseId = `${campaignId}-phase-ledger-1`;
  // The campaign's own row, as runCampaign writes it: its document as the plan, its phases' services.
  await recordRunStarted(db, {
    runId: campaignId, runbookName: 'dr-weekend', runbookVersion: '1', planHash: 'c'.repeat(64),
    plan: { kind: 'campaign', runbook: { name: 'dr-weekend', version: '1' }, mode: 'drill', phases: [{ id: 'ledger', runbook: plan.runbook.name, planHash: hash, mode: 'drill' }], steps: [] },
    mode: 'drill', params: {}, services: [service], objectives: {}, initiator: 'olga', reason: 'campaign test', startedAt: at('2026-09-10T10:00:00Z'),
  });
  // Its phase: a runDrill run of its own.
  await recordRunStarted(db, {
    runId: phaseId, runbookName: plan.runbook.name, runbookVersion: plan.runbook.version, planHash: hash, plan: plan as never, mode: 'drill', params: {},
    services: [service], initiator: 'olga', reason: 'campaign test', objectives: plan.objectives, startedAt: at('2026-09-10T10:01:00Z'),
  });
  await recordRunEnded(db, { runId: phaseId, status: 'completed', verdict: 'pass', endedAt: at('2026-09-10T10:20:00Z'), rtoMs: 120_000, rpoMs: 10_000 });
  // The campaign ends after its last phase.
  await recordRunEnded(db, { runId: campaignId, status: 'completed', verdict: 'pass', endedAt: at('2026-09-10T10:21:00Z'), rtoMs: null, rpoMs: null });

  const now = at('2026-10-01T00:00:00Z');
  const status = await coverageReport(db, now);
  expect(status.services).toHaveLength(1);
  expect(status.services[0]).toMatchObject({ status: 'drilled', drilledBy: phaseId, lastDrill: { runId: phaseId }, changedSinceDrill: false });

  const matrix = await coverageMatrix(db, '2026-H2', now);
  expect(matrix.services[0]).toMatchObject({ service, drilled: true, drills: 1, drillTypes: ['isolated test (drill)'], writeTested: false, lastDrill: phaseId });

  const attainment = await attainmentReport(db, { from: at('2026-07-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z') });
  expect(attainment.rows.map((r) => r.runId)).toEqual([phaseId]);
  expect(attainment.trend).toEqual([expect.objectContaining({ service, runs: 1, rtoMeasured: 1, worstRtoMs: 120_000, rpoMeasured: 1 })]);
});
