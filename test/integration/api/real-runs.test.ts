/**
 * Real runs (failover, failback) through the API on loopback, in front of the real dev server, worker
 * and audit database: every run has a workflow ID of its own (a second failover of a service after the
 * first ended is a new run, all of it in the trail, operable); one real run per service at a time,
 * whatever the service set or mode, atomically; real runs only from a registered runbook version.
 *
 * The runbooks (test/fixtures/runbooks/real/) touch services of this file only (rr-*): a no-op step,
 * then a manual step that keeps the run active until someone confirms it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { API_CHAIN } from '../../../src/audit/human-actions';
import { getRun } from '../../../src/audit/runs';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { ApiClient } from '../../../src/cli/api-client';
import { EXIT } from '../../../src/cli/exit-codes';
import { RUNBOOKS_CHAIN } from '../../../src/real-runs/registrations';
import { currentLocks } from '../../../src/real-runs/service-locks';
import { realRunsDb } from '../../../src/real-runs/tables';
import { getProgress } from '../../../src/plan/run-messages';
import { runCli } from '../../support/cli';
import { apiSuite, refusedRecord } from '../../support/api';
import { waitFor } from '../../support/wait-for';

const FIXTURES = path.join(__dirname, '../../fixtures/runbooks/real');
const PAYMENTS = 'failover-payments.yaml'; // [rr-payments]; drill, failover, failback
const PAYMENTS_LEDGER = 'failover-payments-ledger.yaml'; // [rr-payments, rr-ledger]; failover
const CARDS = 'failover-cards.yaml'; // [rr-cards]; drill, failover, failback — registered by the test that needs it

const suite = apiSuite('real-runs', {
  olga: ['operator'],
  oscar: ['operator'],
  adam: ['admin'],
  audrey: ['auditor'],
});
const { tokens, user, call } = suite;

beforeAll(async () => {
  for (const file of [PAYMENTS, PAYMENTS_LEDGER]) {
    const registered = await call('POST', '/api/runbooks', 'adam', { runbook: runbook(file), file, reason: 'reviewed for the real-run tests' });
    expect(registered.status).toBe(201);
  }
});

function runbook(file: string): string {
  return readFileSync(path.join(FIXTURES, file), 'utf8');
}

function startBody(file: string, mode: string) {
  return { runbook: runbook(file), file, mode, reason: `real-run test: ${mode} from ${file}` };
}

function start(who: string, file: string, mode: string) {
  return call('POST', '/api/runs', who, startBody(file, mode));
}

async function started(who: string, file: string, mode: string): Promise<string> {
  const answer = await start(who, file, mode);
  expect(answer).toMatchObject({ status: 201 });
  return answer.body.runId as string;
}

/** Waits until the run waits at its manual step (`hold`): it is active, and stays so. */
async function holding(runId: string): Promise<void> {
  await waitFor(async () => (await suite.client.workflow.getHandle(runId).query(getProgress)).waiting?.[0]?.stepId === 'hold');
}

async function ended(runId: string) {
  await waitFor(async () => Boolean((await getRun(suite.db, runId))?.endedAt));
  return (await getRun(suite.db, runId))!;
}

/** Ends a held run through the API (abort) and waits for its end in the trail. */
async function abort(runId: string): Promise<void> {
  const answer = await call('POST', `/api/runs/${runId}/abort`, 'olga', { reason: 'test over' });
  expect(answer.status).toBe(200);
  await ended(runId);
}

async function eventTypes(runId: string): Promise<string[]> {
  const rows = await suite.db.selectFrom('audit_events').select(['type']).where('run_id', '=', runId).orderBy('seq').execute();
  return rows.map((r) => r.type);
}

test('a second failover of a service after the first ended is a new run: its own ID, every event in the trail, operable', async () => {
  const first = await started('olga', PAYMENTS, 'failover');
  expect(first).toMatch(/^failover-rr-payments-[0-9a-f]{8}$/);
  await holding(first);
  expect((await call('POST', `/api/runs/${first}/steps/hold/confirm`, 'olga', {})).status).toBe(200);
  expect(await ended(first)).toMatchObject({ status: 'completed', verdict: 'pass' });

  const second = await started('oscar', PAYMENTS, 'failover');
  expect(second).toMatch(/^failover-rr-payments-[0-9a-f]{8}$/);
  expect(second).not.toBe(first);
  await holding(second);
  // Operable: the API takes actions on it (the first run's end does not shadow it).
  const aborted = await call('POST', `/api/runs/${second}/abort`, 'olga', { reason: 'second failover called off' });
  expect(aborted.status).toBe(200);
  const row = await ended(second);
  expect(row).toMatchObject({ runId: second, status: 'aborted', verdict: 'fail', initiator: user('oscar'), mode: 'failover' });

  // Each run's story is its own, complete, and chains intact; the first run is untouched.
  const types = await eventTypes(second);
  expect(types[0]).toBe('run.started');
  expect(types).toEqual(expect.arrayContaining(['step.started', 'step.completed', 'action.requested', 'run.abort_requested', 'run.aborted']));
  const startedEvent = await suite.db.selectFrom('audit_events').selectAll().where('run_id', '=', second).where('type', '=', 'run.started').executeTakeFirstOrThrow();
  expect(startedEvent.actor).toBe(user('oscar'));
  expect(await getRun(suite.db, first)).toMatchObject({ status: 'completed', initiator: user('olga') });
  expect((await eventTypes(first)).filter((t) => t === 'run.started')).toHaveLength(1);
  for (const runId of [first, second]) expect((await verifyAuditChain(suite.db, { chainId: runId })).ok).toBe(true);
  expect(await currentLocks(suite.db, ['rr-payments'])).toEqual([]);
});

test('while a service fails over, a failover of [it, another] and a failback of it are refused with 409 naming the run, audited; the CLI maps it to exit 7', async () => {
  const holder = await started('olga', PAYMENTS, 'failover');
  try {
    await holding(holder);
    expect(await currentLocks(suite.db, ['rr-payments'])).toMatchObject([{ service: 'rr-payments', runId: holder, mode: 'failover', acquiredBy: user('olga') }]);

    const wider = await start('oscar', PAYMENTS_LEDGER, 'failover');
    const failback = await start('oscar', PAYMENTS, 'failback');
    for (const refused of [wider, failback]) {
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: 'run_already_active' });
      expect(refused.body.message).toContain(holder);
      const record = await refusedRecord(suite.db, refused.body.requestId);
      expect(record).toMatchObject({ chain_id: API_CHAIN, type: 'action.refused', actor: user('oscar') });
      expect(record!.data).toMatchObject({ action: 'start', status: 409, code: 'run_already_active', roles: ['operator'] });
    }
    // Nothing else took the free service of the refused run, nor started.
    expect(await currentLocks(suite.db, ['rr-ledger'])).toEqual([]);
    expect(await currentLocks(suite.db, ['rr-payments'])).toMatchObject([{ runId: holder }]);

    // The CLI's client of the API: a refused real run is exit 7.
    const cli = new ApiClient({ api: suite.api.url, token: tokens.oscar });
    await expect(cli.post('/api/runs', startBody(PAYMENTS, 'failback'))).rejects.toMatchObject({ status: 409, exitCode: EXIT.conflict });

    // A drill of the same runbook is no real run: it runs beside.
    const drill = await started('oscar', PAYMENTS, 'drill');
    expect(drill).toMatch(/^drill-rr-failover-payments-[0-9a-f]{8}$/);
    await holding(drill);
    await abort(drill);
    expect(await currentLocks(suite.db, ['rr-payments'])).toMatchObject([{ runId: holder }]);
  } finally {
    await abort(holder);
  }
  // Released when it ended: the wider failover starts now.
  const next = await started('oscar', PAYMENTS_LEDGER, 'failover');
  expect(next).toMatch(/^failover-rr-ledger\+rr-payments-[0-9a-f]{8}$/);
  expect((await currentLocks(suite.db, ['rr-ledger', 'rr-payments'])).map((l) => l.runId)).toEqual([next, next]);
  await holding(next);
  await abort(next);
  expect(await currentLocks(suite.db, ['rr-ledger', 'rr-payments'])).toEqual([]);
});

test('two racing starts of real runs touching one service: exactly one runs', async () => {
  for (const [a, b] of [
    [PAYMENTS, PAYMENTS],
    [PAYMENTS, PAYMENTS_LEDGER],
  ]) {
    const answers = await Promise.all([start('olga', a, 'failover'), start('oscar', b, 'failover')]);
    const winners = answers.filter((x) => x.status === 201);
    const losers = answers.filter((x) => x.status !== 201);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = winners[0].body.runId as string;
    expect(losers[0]).toMatchObject({ status: 409, body: { error: 'run_already_active' } });
    expect(losers[0].body.message).toContain(winner);
    await holding(winner);
    await abort(winner);
  }
});

test('terminate through the API releases the locks; a lock whose run ended around drillbook is taken over', async () => {
  const runId = await started('olga', PAYMENTS_LEDGER, 'failover');
  await holding(runId);
  expect((await call('POST', `/api/runs/${runId}/terminate`, 'adam', { reason: 'emergency stop' })).status).toBe(200);
  expect(await currentLocks(suite.db, ['rr-ledger', 'rr-payments'])).toEqual([]);

  // Terminated straight in Temporal: the trail never hears of the end, Temporal says it is closed.
  const around = await started('olga', PAYMENTS, 'failover');
  await holding(around);
  await suite.client.workflow.getHandle(around).terminate('around drillbook');
  // A lock left by a start that crashed before its workflow existed, long ago.
  await realRunsDb(suite.db).insertInto('service_locks').values({ service: 'rr-ledger', run_id: 'failover-rr-ledger-deadbeef', mode: 'failover', acquired_by: 'ghost', acquired_at: new Date(Date.now() - 3_600_000) }).execute();
  const next = await started('oscar', PAYMENTS_LEDGER, 'failover');
  expect((await currentLocks(suite.db, ['rr-ledger', 'rr-payments'])).map((l) => l.runId)).toEqual([next, next]);
  await holding(next);
  await abort(next);
});

test('a failover from an unregistered runbook is refused (a drill is not); after `runbook register` it starts; after `runbook revoke` it is refused again', async () => {
  const refused = await start('olga', CARDS, 'failover');
  expect(refused.status).toBe(403);
  expect(refused.body).toMatchObject({ error: 'runbook_not_registered' });
  expect((await refusedRecord(suite.db, refused.body.requestId))!.data).toMatchObject({ action: 'start', code: 'runbook_not_registered', status: 403 });
  expect(await currentLocks(suite.db, ['rr-cards'])).toEqual([]);
  const drill = await started('olga', CARDS, 'drill');
  await holding(drill);
  await abort(drill);

  const env = { DRILLBOOK_API_URL: suite.api.url, DRILLBOOK_TOKEN: tokens.adam };
  const file = path.join(FIXTURES, CARDS);
  const registered = await runCli(['runbook', 'register', file, '--reason', 'CAB-1234 reviewed the cards failover'], { env });
  expect(registered).toMatchObject({ code: 0 });
  const hash = /registered ([0-9a-f]{64})/.exec(registered.stdout)![1];
  const again = await runCli(['runbook', 'register', file, '--reason', 'twice'], { env });
  expect(again.code).toBe(EXIT.conflict);
  expect(again.stderr).toMatch(/registered already/);

  const listed = await runCli(['runbook', 'list', '--json'], { env: { ...env, DRILLBOOK_TOKEN: tokens.audrey } });
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual(
    expect.arrayContaining([expect.objectContaining({ planHash: hash, runbook: 'rr-failover-cards', status: 'registered', services: ['rr-cards'], registered: expect.objectContaining({ by: user('adam'), reason: 'CAB-1234 reviewed the cards failover' }) })]),
  );

  const runId = await started('olga', CARDS, 'failover');
  await holding(runId);
  await abort(runId);

  const revoked = await runCli(['runbook', 'revoke', hash.slice(0, 12), '--reason', 'superseded by v2'], { env });
  expect(revoked).toMatchObject({ code: 0 });
  expect(revoked.stdout).toContain(`revoked ${hash}`);
  const twice = await runCli(['runbook', 'revoke', hash, '--reason', 'again'], { env });
  expect(twice.code).toBe(EXIT.conflict);
  expect(twice.stderr).toMatch(/runbook_already_revoked/);
  expect((await start('olga', CARDS, 'failover')).body).toMatchObject({ error: 'runbook_not_registered' });
  const afterRevoke = JSON.parse((await runCli(['runbook', 'list', '--json'], { env })).stdout) as { planHash: string; status: string; revoked: { by: string; reason: string } }[];
  expect(afterRevoke.find((r) => r.planHash === hash)).toMatchObject({ status: 'revoked', revoked: { by: user('adam'), reason: 'superseded by v2' } });

  // Both on the registry's own chain, with who and why; the rows are append-only.
  const events = await suite.db.selectFrom('audit_events').selectAll().where('chain_id', '=', RUNBOOKS_CHAIN).where(sql<string>`data->>'planHash'`, '=', hash).orderBy('seq').execute();
  expect(events.map((e) => [e.type, e.actor, (e.data as { reason: string }).reason])).toEqual([
    ['runbook.registered', user('adam'), 'CAB-1234 reviewed the cards failover'],
    ['runbook.revoked', user('adam'), 'superseded by v2'],
  ]);
  expect((await verifyAuditChain(suite.db, { chainId: RUNBOOKS_CHAIN })).ok).toBe(true);
  await expect(realRunsDb(suite.db).updateTable('runbook_registrations').set({ reason: 'edited' }).where('plan_hash', '=', hash).execute()).rejects.toThrow(/append-only/);
  await expect(realRunsDb(suite.db).deleteFrom('runbook_registrations').where('plan_hash', '=', hash).execute()).rejects.toThrow(/append-only/);
});

test('only an admin registers or revokes; bad bodies name the field; every refusal is audited with who asked', async () => {
  const asOperator = await call('POST', '/api/runbooks', 'olga', { runbook: runbook(CARDS), file: CARDS, reason: 'let me' });
  expect(asOperator.status).toBe(403);
  expect(await refusedRecord(suite.db, asOperator.body.requestId)).toMatchObject({ chain_id: API_CHAIN, actor: user('olga'), type: 'action.refused' });
  expect((await refusedRecord(suite.db, asOperator.body.requestId))!.data).toMatchObject({ action: 'register-runbook', status: 403, request: { file: CARDS, reason: 'let me' } });
  expect((await call('POST', '/api/runbooks', null, { runbook: runbook(CARDS), reason: 'x' })).status).toBe(401);

  const noReason = await call('POST', '/api/runbooks', 'adam', { runbook: runbook(CARDS), file: CARDS });
  expect(noReason).toMatchObject({ status: 400, body: { error: 'invalid_body', field: 'reason' } });
  const broken = await call('POST', '/api/runbooks', 'adam', { runbook: `${runbook(CARDS)}\n  - id: prepare\n    title: again\n    kind: wait\n    duration: 1s\n`, file: 'broken.yaml', reason: 'x' });
  expect(broken).toMatchObject({ status: 400, body: { error: 'runbook_invalid', field: 'runbook' } });
  expect(broken.body.message).toMatch(/^broken\.yaml:\d+:\d+: error: /);
  const drillOnly = await call('POST', '/api/runbooks', 'adam', { runbook: runbook(CARDS).replace('modes: [drill, failover, failback]', 'modes: [drill]'), file: 'drill-only.yaml', reason: 'x' });
  expect(drillOnly).toMatchObject({ status: 400, body: { error: 'runbook_not_real' } });

  expect(await call('POST', '/api/runbooks/not-a-hash/revoke', 'adam', { reason: 'x' })).toMatchObject({ status: 400, body: { field: 'planHash' } });
  expect(await call('POST', `/api/runbooks/${'0'.repeat(64)}/revoke`, 'adam', { reason: 'x' })).toMatchObject({ status: 404, body: { error: 'runbook_not_found' } });
  const [payments] = ((await call('GET', '/api/runbooks', 'audrey')).body.runbooks as { planHash: string; runbook: string }[]).filter((r) => r.runbook === 'rr-failover-payments');
  const operatorRevoke = await call('POST', `/api/runbooks/${payments.planHash}/revoke`, 'olga', { reason: 'x' });
  expect(operatorRevoke.status).toBe(403);
  expect((await refusedRecord(suite.db, operatorRevoke.body.requestId))!.data).toMatchObject({ action: 'revoke-runbook', request: { planHash: payments.planHash } });
  expect(await call('POST', `/api/runbooks/${payments.planHash}/revoke`, 'adam', {})).toMatchObject({ status: 400, body: { field: 'reason' } });
  // Still registered: none of the refusals changed anything.
  expect(((await call('GET', '/api/runbooks', 'audrey')).body.runbooks as { planHash: string; status: string }[]).find((r) => r.planHash === payments.planHash)!.status).toBe('registered');
});
