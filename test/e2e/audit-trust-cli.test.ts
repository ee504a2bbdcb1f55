/**
 * What a database superuser can no longer do unseen, as a user runs `audit verify` (bin/drillbook.js,
 * built): edit a run's `runs` row (the projection every report reads), hide a run by deleting its row,
 * remove a chain's last event and rewind its head (caught by a checkpoint at the chain's true head,
 * also past seq 9), or alter a checkpoint file and recompute its digest (caught by its signature).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'pg';
import { appendAuditEvents } from '../../src/audit/append-events';
import { checkpointDigest, type Checkpoint } from '../../src/audit/checkpoint';
import { cliEnv, runCli, type CliOutcome } from '../support/cli';
import { asSuperuser as superuser, uniqueId } from '../support/db';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { workflowSuite } from '../support/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-trust-'));
const wf = workflowSuite('audit-trust', undefined, { isolated: true });
let failedRun: string;
let passedRun: string;
const longChain = uniqueId('long-chain');

function drillbook(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  return runCli(args, { cwd: dir, env: cliEnv(wf.db, { DRILLBOOK_TRUSTED_KEYS: '', ...env }) });
}

/** `statements` as a database superuser (triggers off). */
function asSuperuser(statements: (c: Client) => Promise<unknown>): Promise<void> {
  return superuser(wf.db, statements);
}

function runbook(name: string, pass: boolean): string {
  return `${runbookHeader(name, { objectives: null })}steps:
  - { id: fence, title: Fence, kind: action, action: { adapter: noop, input: { output: { ok: true } } }, marks: [rto.start] }
  - { id: verify, title: Verify, kind: check, needs: [fence], onFailure: abort, probe: { adapter: noop, input: { output: { ok: ${pass} } } }, expect: "output.ok == true", marks: [rto.end] }
`;
}

async function realRun(name: string, pass: boolean): Promise<string> {
  const handle = await startRunbook(wf, runbook(name, pass), { file: `${name}.yaml`, initiator: 'olga', reason: 'trust e2e' });
  await handle.result().catch(() => undefined);
  return handle.workflowId;
}

beforeAll(async () => {
  failedRun = await realRun('trust-failing', false);
  passedRun = await realRun('trust-passing', true);
  // A chain of 12 events: in text order "9" sorts above "12".
  await appendAuditEvents(wf.db, Array.from({ length: 12 }, (_, i) => ({ key: `${longChain}/${i + 1}`, chainId: longChain, runId: null, type: 'note.added', actor: 'a', data: { i } })));
}, 120_000);

test('the runs rows of real runs agree with their chains', async () => {
  const ok = await drillbook(['audit', 'verify']);
  expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('runs rows: all 2 agree with their chains') });
});

test('openssl keys: a signed checkpoint at the true heads verifies; altered and re-digested, its signature is refused', async () => {
  const key = path.join(dir, 'key.pem');
  const pub = path.join(dir, 'pub.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  const other = path.join(dir, 'other.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', other]);
  const rawPub = execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-outform', 'DER']).subarray(12).toString('base64');

  const file = path.join(dir, 'signed.json');
  const taken = await drillbook(['audit', 'checkpoint', '--out', file, '--signing-key', 'env:CHECKPOINT_KEY'], { CHECKPOINT_KEY: readFileSync(key, 'utf8') });
  expect(taken).toMatchObject({ code: 0, stdout: expect.stringContaining(`signed by key ${rawPub}`) });
  const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  expect(checkpoint.heads[longChain].lastSeq).toBe(12);
  const rows = await wf.db.selectFrom('audit_events').select(['chain_id', 'seq']).where('chain_id', 'in', [failedRun, passedRun]).execute();
  for (const run of [failedRun, passedRun]) expect(checkpoint.heads[run].lastSeq).toBe(Math.max(...rows.filter((r) => r.chain_id === run).map((r) => Number(r.seq))));

  expect(await drillbook(['audit', 'verify', '--checkpoint', file, '--public-key', `file:${pub}`])).toMatchObject({ code: 0, stdout: expect.stringContaining('checkpoint signature: valid') });
  expect((await drillbook(['audit', 'verify', '--checkpoint', file, '--public-key', rawPub])).code).toBe(0);
  expect((await drillbook(['audit', 'verify', '--checkpoint', file], { DRILLBOOK_TRUSTED_KEYS: `file:${other.replace('other', 'nope')},${rawPub}` })).code).toBe(5); // a missing key file: bad configuration, named
  expect((await drillbook(['audit', 'verify', '--checkpoint', file], { DRILLBOOK_TRUSTED_KEYS: rawPub })).code).toBe(0);
  expect(await drillbook(['audit', 'verify', '--checkpoint', file])).toMatchObject({ code: 0, stdout: expect.stringContaining('signature: not checked') });

  const otherPub = path.join(dir, 'other-pub.pem');
  execFileSync('openssl', ['pkey', '-in', other, '-pubout', '-out', otherPub]);
  expect(await drillbook(['audit', 'verify', '--checkpoint', file, '--public-key', `file:${otherPub}`])).toMatchObject({ code: 6, stdout: expect.stringContaining('checkpoint signature REFUSED') });

  // Someone rewinds the checkpoint to match a rewound chain and recomputes its digest: only the signature shows it.
  const { digest: _d, signature, ...body } = checkpoint;
  const forged = { ...body, heads: { ...body.heads, [longChain]: { lastSeq: 11, lastHash: 'f'.repeat(64) } } };
  const forgedFile = path.join(dir, 'forged.json');
  writeFileSync(forgedFile, JSON.stringify({ ...forged, digest: checkpointDigest(forged), signature }));
  expect(await drillbook(['audit', 'verify', '--checkpoint', forgedFile, '--public-key', `file:${pub}`])).toMatchObject({ code: 6, stdout: expect.stringContaining('checkpoint signature REFUSED') });

  expect(await drillbook(['audit', 'checkpoint', '--out', path.join(dir, 'x.json'), '--signing-key', key])).toMatchObject({ code: 2, stderr: expect.stringContaining('--signing-key: expected a secret reference') });
  expect(await drillbook(['audit', 'checkpoint', '--out', path.join(dir, 'y.json'), '--signing-key', `file:${pub}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('not a usable Ed25519 private key') });
  expect(await drillbook(['audit', 'verify', '--checkpoint', file, '--public-key', 'abc'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--public-key (entry 1)') });
}, 60_000);

test('a superuser deletes a chain\'s last event (seq 12) and rewinds its head: verify alone passes, against the checkpoint it names chain and seq', async () => {
  const file = path.join(dir, 'before-rewind.json');
  expect((await drillbook(['audit', 'checkpoint', '--out', file])).code).toBe(0);
  await asSuperuser(async (c) => {
    await c.query('DELETE FROM audit_events WHERE chain_id = $1 AND seq = 12', [longChain]);
    await c.query(`UPDATE audit_chain_heads SET last_seq = 11, last_hash = (SELECT hash FROM audit_events WHERE chain_id = $1 AND seq = 11) WHERE chain_id = $1`, [longChain]);
  });
  expect((await drillbook(['audit', 'verify'])).code).toBe(0);
  const against = await drillbook(['audit', 'verify', '--checkpoint', file]);
  expect(against.code).toBe(6);
  expect(against.stdout).toContain(`checkpoint MISMATCH: chain ${longChain} seq 12: event seq 12 is missing`);
});

test('a superuser edits a runs row (failed → completed/pass, RTO 1000 ms): verify exits 6 naming the run and the fields', async () => {
  await asSuperuser((c) => c.query(`UPDATE runs SET status = 'completed', verdict = 'pass', rto_ms = 1000 WHERE run_id = $1`, [failedRun]));
  const broken = await drillbook(['audit', 'verify']);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toMatch(new RegExp(`run ${failedRun}: runs row DISAGREES with its chain: .*status: row "completed", chain "(failed|aborted)".*rto_ms: row "1000"`));
  expect(broken.stdout).not.toContain(`run ${passedRun}:`);
  const json = JSON.parse((await drillbook(['audit', 'verify', '--run', failedRun, '--json'])).stdout);
  expect(json.runs).toMatchObject({ ok: false, runs: 1, mismatches: [{ runId: failedRun }] });
  expect((await drillbook(['audit', 'verify', '--run', passedRun])).code).toBe(0);
  const integrity = JSON.parse((await drillbook(['report', 'integrity', '--format', 'json'])).stdout);
  expect(integrity.runsProjection).toMatchObject({ ok: false, mismatches: [{ runId: failedRun }] });
});

test('a superuser edits the pinned plan the dossier reads (moves the RTO marks): verify names the run', async () => {
  await asSuperuser((c) =>
    c.query(`UPDATE runs SET plan = jsonb_set(plan, '{steps,1,marks}', '[]'::jsonb) WHERE run_id = $1`, [passedRun]),
  );
  const broken = await drillbook(['audit', 'verify', '--run', passedRun]);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toContain(`run ${passedRun}: runs row DISAGREES with its chain: plan: its sha256 is`);
});

test('a superuser deletes a runs row to hide a run from every report: verify names it', async () => {
  await asSuperuser((c) => c.query('DELETE FROM runs WHERE run_id = $1', [passedRun]));
  const broken = await drillbook(['audit', 'verify']);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toContain(`run ${passedRun}: runs row DISAGREES with its chain: runs row: missing`);
});
