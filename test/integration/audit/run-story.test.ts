import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { listRunHistory } from '../../../src/audit/history';
import { getRunStory } from '../../../src/audit/run-story';
import { getRun, listRuns, recordRunEnded, recordRunStarted, type RunStarted } from '../../../src/audit/runs';
import { getStepResult, listStepResults, recordStepResult } from '../../../src/audit/step-results';
import type { Plan } from '../../../src/plan/types';
import { destroyTestDb, testDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => {
  await destroyTestDb(db);
});

const plan: Plan = {
  planVersion: 1,
  runbook: { name: 'failover-to-dr', version: '3', owners: ['infra'] },
  services: ['payments'],
  objectives: { rtoMs: 60_000, rpoMs: 0 },
  modes: ['drill', 'failover'],
  params: [{ name: 'dbPassword', type: 'secret', required: true }],
  steps: [],
};

function runStarted(runId: string, overrides: Partial<RunStarted> = {}): RunStarted {
  return {
    runId,
    temporalRunId: 'temporal-1',
    runbookName: plan.runbook.name,
    runbookVersion: plan.runbook.version,
    planHash: 'a'.repeat(64),
    plan: plan as unknown as RunStarted['plan'],
    mode: 'drill',
    params: { dbPassword: 'env:DB_PASSWORD', replicas: 2 },
    services: plan.services,
    initiator: 'alice',
    reason: 'H1 drill',
    objectives: plan.objectives,
    startedAt: new Date('2025-01-10T01:00:00.000Z'),
    ...overrides,
  };
}

describe('run projections and the story of a run', () => {
  it('records a run once and its end', async () => {
    const runId = uniqueId('run');
    await recordRunStarted(db, runStarted(runId));
    await recordRunStarted(db, runStarted(runId, { initiator: 'retry-must-not-overwrite' }));
    expect(await getRun(db, runId)).toMatchObject({
      runId, initiator: 'alice', status: 'running', params: { dbPassword: 'env:DB_PASSWORD', replicas: 2 }, plan,
    });
    const endedAt = new Date('2025-01-10T01:05:00.000Z');
    expect(await recordRunEnded(db, { runId, status: 'completed', verdict: 'passed', endedAt, rtoMs: 41_000, rpoMs: 0 })).toBe(true);
    expect(await recordRunEnded(db, { runId: uniqueId('nope'), status: 'completed', verdict: null, endedAt, rtoMs: null, rpoMs: null })).toBe(false);
    expect(await getRun(db, runId)).toMatchObject({ status: 'completed', verdict: 'passed', endedAt, rtoMs: 41_000, rpoMs: 0 });
  });

  it('upserts step results, keeping fields a later write leaves out', async () => {
    const runId = uniqueId('run');
    const startedAt = new Date('2025-01-10T01:00:01.000Z');
    await recordStepResult(db, { runId, stepId: 'promote', execution: 1, status: 'running', attempts: 1, startedAt });
    await recordStepResult(db, {
      runId, stepId: 'promote', execution: 1, status: 'completed', endedAt: new Date('2025-01-10T01:00:02.000Z'), output: ['lsn', 42],
    });
    expect(await getStepResult(db, runId, 'promote', 1)).toEqual({
      runId, stepId: 'promote', execution: 1, status: 'completed', attempts: 1, startedAt,
      endedAt: new Date('2025-01-10T01:00:02.000Z'), output: ['lsn', 42], error: null,
    });
    expect(await getStepResult(db, runId, 'promote', 2)).toBeUndefined();
  });

  it('tells the whole story from PostgreSQL alone, events in seq order', async () => {
    const runId = uniqueId('run');
    await appendAuditEvents(db, [{ key: `${runId}/run.started`, runId, type: 'run.started', actor: 'alice', data: { mode: 'drill' } }], (trx) =>
      recordRunStarted(trx, runStarted(runId)),
    );
    for (const [i, stepId] of ['check-lag', 'promote'].entries()) {
      const at = new Date(Date.UTC(2025, 0, 10, 1, 0, i + 1));
      await appendAuditEvents(
        db,
        [
          { key: `${runId}/${stepId}/1/started`, runId, stepId, type: 'step.started', actor: 'worker', at, data: {} },
          { key: `${runId}/${stepId}/1/completed`, runId, stepId, type: 'step.completed', actor: 'worker', at, data: { ok: true } },
        ],
        (trx) => recordStepResult(trx, { runId, stepId, execution: 1, status: 'completed', attempts: 1, startedAt: at, endedAt: at, output: { ok: true } }),
      );
    }
    await appendAuditEvents(db, [{ key: `${runId}/run.completed`, runId, type: 'run.completed', actor: 'worker', data: { verdict: 'passed' } }], (trx) =>
      recordRunEnded(trx, { runId, status: 'completed', verdict: 'passed', endedAt: new Date(), rtoMs: 1000, rpoMs: 0 }).then(() => undefined),
    );

    const story = await getRunStory(db, runId);
    expect(story.run).toMatchObject({ runId, status: 'completed', verdict: 'passed' });
    expect(story.steps.map((s) => s.stepId)).toEqual(['check-lag', 'promote']);
    expect(story.events.map((e) => [e.seq, e.type, e.stepId])).toEqual([
      [1, 'run.started', null],
      [2, 'step.started', 'check-lag'],
      [3, 'step.completed', 'check-lag'],
      [4, 'step.started', 'promote'],
      [5, 'step.completed', 'promote'],
      [6, 'run.completed', null],
    ]);
    expect(story.events[2].data).toEqual({ ok: true });
    expect(await listStepResults(db, uniqueId('none'))).toEqual([]);
    expect(await getRunStory(db, uniqueId('none'))).toEqual({ run: null, steps: [], events: [] });
  });

  it('lists runs and history by service and runbook, newest first', async () => {
    const service = uniqueId('svc');
    const runbook = uniqueId('rb');
    const ids = [uniqueId('run'), uniqueId('run'), uniqueId('run')];
    for (const [i, runId] of ids.entries()) {
      await recordRunStarted(db, runStarted(runId, {
        services: [service, 'shared'], runbookName: runbook, startedAt: new Date(Date.UTC(2025, 0, 10 + i)),
      }));
    }
    await recordRunEnded(db, { runId: ids[0], status: 'completed', verdict: 'passed', endedAt: new Date(Date.UTC(2025, 0, 10, 0, 1)), rtoMs: 90_000, rpoMs: 0 });

    expect((await listRuns(db, { service, limit: 10 })).map((r) => r.runId)).toEqual([...ids].reverse());
    expect((await listRuns(db, { runbook, status: 'completed', limit: 10 })).map((r) => r.runId)).toEqual([ids[0]]);
    expect((await listRuns(db, { service, limit: 2 })).map((r) => r.runId)).toEqual([ids[2], ids[1]]);
    expect((await listRuns(db, { service, limit: 10 }))[0]).not.toHaveProperty('plan');

    const history = await listRunHistory(db, { service, runbook, limit: 10 });
    expect(history.map((h) => h.runId)).toEqual([...ids].reverse());
    expect(history[2]).toMatchObject({ runId: ids[0], durationMs: 60_000, rtoMet: false, rpoMet: true });
    expect(history[0]).toMatchObject({ durationMs: null, rtoMet: null });
  });
});
