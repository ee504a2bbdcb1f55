/** The remediation register's rules, on real PostgreSQL: revisions supersede, evidence required, retests must have passed. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { listRunEvents } from '../../../src/audit/audit-events';
import { recordRunEnded, recordRunStarted } from '../../../src/audit/runs';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { FindingInputError } from '../../../src/findings/errors';
import { FINDINGS_CHAIN, acceptRisk, addAction, raiseFinding, readRegister, reviseFinding, updateAction } from '../../../src/findings/register';
import { findingsDb } from '../../../src/findings/tables';
import { destroyTestDb, isolatedTestDb } from '../../support/db';

let db: Kysely<Database>;
const failedRun = `run-${randomUUID()}`;
const passedRun = `run-${randomUUID()}`;

beforeAll(async () => {
  db = await isolatedTestDb();
  for (const [runId, verdict] of [[failedRun, 'fail'], [passedRun, 'pass']] as const) {
    await recordRunStarted(db, { runId, runbookName: 'rb', runbookVersion: '1', planHash: 'h', mode: 'drill', params: {}, services: ['pay'], initiator: 'a', reason: 'r', objectives: {}, startedAt: new Date(), plan: { steps: [{ id: 'promote' }] } as never });
    await recordRunEnded(db, { runId, status: 'completed', verdict, endedAt: new Date(), rtoMs: null, rpoMs: null });
  }
});

afterAll(() => destroyTestDb(db));

async function refusal(p: Promise<unknown>): Promise<FindingInputError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FindingInputError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

test('a finding lifecycle: every change a superseding revision on the findings chain', async () => {
  const f = await raiseFinding(db, { runId: failedRun, stepId: 'promote', severity: 'high', category: 'rto', title: 'slow promote', description: 'd', actor: 'aud' });
  expect(f).toMatchObject({ findingId: 'F-0001', revision: 1, status: 'open' });
  const a = await addAction(db, { findingId: f.findingId, description: 'tune', owner: 'dba', dueDate: '2027-01-31', actor: 'aud' });

  expect((await refusal(updateAction(db, { actionId: a.actionId, status: 'done', actor: 'dba' }))).field).toBe('closingEvidence');
  expect((await refusal(updateAction(db, { actionId: a.actionId, retestRunId: failedRun, actor: 'dba' }))).field).toBe('retestRunId');
  expect((await refusal(updateAction(db, { actionId: a.actionId, retestRunId: 'nope', actor: 'dba' }))).kind).toBe('not-found');
  expect((await refusal(reviseFinding(db, { findingId: f.findingId, status: 'closed', note: 'n', actor: 'aud' }))).kind).toBe('conflict');
  expect((await refusal(addAction(db, { findingId: f.findingId, description: 'x', owner: 'o', dueDate: '2027-02-30', actor: 'a' }))).field).toBe('dueDate');
  expect((await refusal(raiseFinding(db, { severity: 'urgent' as never, category: 'c', title: 't', description: 'd', actor: 'a' }))).field).toBe('severity');

  const done = await updateAction(db, { actionId: a.actionId, status: 'done', closingEvidence: 'CHG-1', retestRunId: passedRun, actor: 'dba' });
  expect(done).toMatchObject({ revision: 2, status: 'done', retestRunId: passedRun, dueDate: '2027-01-31' });
  const closed = await reviseFinding(db, { findingId: f.findingId, status: 'closed', note: 'retest passed', actor: 'aud' });
  expect(closed.revision).toBe(2);

  const rows = await findingsDb(db).selectFrom('findings').select(['revision', 'supersedes', 'status']).where('finding_id', '=', f.findingId).orderBy('revision').execute();
  expect(rows[0]).toMatchObject({ revision: 1, supersedes: null, status: 'open' });
  expect(rows[1]).toMatchObject({ revision: 2, status: 'closed' });
  expect(rows[1].supersedes).not.toBeNull();

  const f2 = await raiseFinding(db, { severity: 'low', category: 'procedure', title: 't2', description: 'd', actor: 'aud' });
  expect((await refusal(acceptRisk(db, { findingId: f2.findingId, approver: 'ciso', rationale: 'r', expiresAt: new Date(Date.now() - 1000), actor: 'ciso' }))).field).toBe('expiresAt');
  await acceptRisk(db, { findingId: f2.findingId, approver: 'ciso', rationale: 'r', expiresAt: new Date(Date.now() + 86_400_000), actor: 'ciso' });

  const register = await readRegister(db);
  expect(register.findings.map((x) => [x.findingId, x.status])).toEqual([['F-0001', 'closed'], ['F-0002', 'risk-accepted']]);
  expect(register.actions).toHaveLength(1);
  expect(register.acceptances).toHaveLength(1);

  const events = (await db.selectFrom('audit_events').select('type').where('chain_id', '=', FINDINGS_CHAIN).orderBy('seq').execute()).map((e) => e.type);
  expect(events).toEqual(['finding.raised', 'finding.action_added', 'finding.action_updated', 'finding.revised', 'finding.raised', 'finding.risk_accepted']);
  expect((await verifyAuditChain(db)).ok).toBe(true);
  expect(await listRunEvents(db, failedRun)).toHaveLength(0); // the register has its own chain
});
