/**
 * verifyStepResults on trails written as the writers write them (the events appended, the rows
 * recorded): completions chained before `outputSha256` existed (checked by their evidence fields),
 * and rows of failed or skipped steps (checked against the workflow's events).
 */
import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { recordStepResult } from '../../../src/audit/step-results';
import { verifyStepResults } from '../../../src/audit/verify-step-results';
import { destroyTestDb, testDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => {
  await destroyTestDb(db);
});

const startedAt = new Date('2026-03-01T10:00:00.000Z');
const endedAt = new Date('2026-03-01T10:00:02.500Z');

async function olderCompletion(runId: string, stepId: string, evidence: unknown): Promise<void> {
  await appendAuditEvents(db, [{
    key: `${runId}/${stepId}/1/step/completed`, runId, type: 'step.completed', stepId, actor: 'worker', at: endedAt,
    data: { execution: 1, attempt: 2, durationMs: 2500, evidence: evidence as never },
  }]);
}

test('a completion without outputSha256: the row\'s output is checked by the evidence fields the chain kept', async () => {
  const runId = uniqueId('steps-old');
  await olderCompletion(runId, 'fence', { 'fence.token': 7 });
  await olderCompletion(runId, 'dump', { rows: 3, ok: true }); // `evidence: ['*']`: the whole output
  await recordStepResult(db, { runId, stepId: 'fence', execution: 1, status: 'completed', attempts: 2, startedAt, endedAt, output: { fence: { token: 7 }, other: 'x' } });
  await recordStepResult(db, { runId, stepId: 'dump', execution: 1, status: 'completed', attempts: 2, startedAt, endedAt, output: { rows: 3, ok: true } });
  expect(await verifyStepResults(db, { runId })).toEqual({ ok: true, rows: 2, mismatches: [] });

  await recordStepResult(db, { runId, stepId: 'fence', execution: 1, status: 'completed', output: { fence: { token: 8 }, other: 'x' } });
  await recordStepResult(db, { runId, stepId: 'dump', execution: 1, status: 'completed', attempts: 1 });
  const result = await verifyStepResults(db, { runId });
  expect(result.ok).toBe(false);
  expect(result.mismatches).toEqual([
    { runId, stepId: 'dump', execution: 1, differences: ['attempts: row 1, chain 2'] },
    { runId, stepId: 'fence', execution: 1, differences: [expect.stringMatching(/^output: its evidence fields differ from the chain's/)] },
  ]);
});

test('rows of failed and skipped steps agree with the workflow\'s events; a row claiming completion for a failed step does not', async () => {
  const runId = uniqueId('steps-failed');
  await appendAuditEvents(db, [
    { key: `${runId}/probe/1/failed`, runId, type: 'step.failed', stepId: 'probe', actor: 'drillbook', at: endedAt, data: { error: 'no' } },
    { key: `${runId}/optional/1/skipped`, runId, type: 'step.skipped', stepId: 'optional', actor: 'drillbook', at: endedAt, data: { reason: 'when' } },
  ]);
  await recordStepResult(db, { runId, stepId: 'probe', execution: 1, status: 'failed', startedAt, error: 'no' });
  await recordStepResult(db, { runId, stepId: 'optional', execution: 1, status: 'skipped' });
  expect(await verifyStepResults(db, { runId })).toEqual({ ok: true, rows: 2, mismatches: [] });

  await recordStepResult(db, { runId, stepId: 'probe', execution: 1, status: 'completed', endedAt });
  await recordStepResult(db, { runId, stepId: 'probe', execution: 2, status: 'completed' });
  const result = await verifyStepResults(db, { runId });
  expect(result.mismatches).toEqual([
    { runId, stepId: 'probe', execution: 1, differences: ['state: row "completed", chain "failed"', `ended_at: row "${endedAt.toISOString()}", chain null`] },
    { runId, stepId: 'probe', execution: 2, differences: [expect.stringMatching(/^no chained step event backs this row/)] },
  ]);
});
