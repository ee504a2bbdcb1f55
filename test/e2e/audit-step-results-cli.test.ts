/**
 * `step_results` (the dossier's step timeline and the marked times its RTO is recomputed from) as a
 * database superuser could edit it: `audit verify` (bin/drillbook.js, built) recomputes each row from
 * its run's chained step events and names run and step of every row that disagrees.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEnv, runCli, type CliOutcome } from '../support/cli';
import { asSuperuser } from '../support/db';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { workflowSuite } from '../support/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-steps-'));
const wf = workflowSuite('audit-steps', undefined, { isolated: true });
let runA: string;
let runB: string;

function drillbook(args: string[]): Promise<CliOutcome> {
  return runCli(args, { cwd: dir, env: cliEnv(wf.db, { DRILLBOOK_TRUSTED_KEYS: '' }) });
}

/** Runs `statement` with `params` as a database superuser (triggers off). */
function superuser(statement: string, params: unknown[]): Promise<void> {
  return asSuperuser(wf.db, (admin) => admin.query(statement, params));
}

// An action and a check (one activity each) and a sequence (members written behind, one activity).
const runbook = (name: string) => `${runbookHeader(name, { objectives: null })}steps:
  - { id: fence, title: Fence, kind: action, action: { adapter: noop, input: { output: { token: 7, note: kept } } }, evidence: [token], marks: [rto.start] }
  - id: cutover
    title: Cutover
    kind: sequence
    needs: [fence]
    steps:
      - { id: promote, title: Promote, kind: action, action: { adapter: noop, input: { output: { ok: true } } } }
  - { id: verify, title: Verify, kind: check, needs: [cutover], probe: { adapter: noop, input: { output: { ok: true } } }, expect: "output.ok == true", marks: [rto.end] }
`;

async function realRun(name: string): Promise<string> {
  const handle = await startRunbook(wf, runbook(name), { file: `${name}.yaml`, initiator: 'olga', reason: 'step rows e2e' });
  await handle.result();
  return handle.workflowId;
}

beforeAll(async () => {
  runA = await realRun('steps-a');
  runB = await realRun('steps-b');
}, 120_000);

test('the step_results rows of real runs (action, sequence member, check) agree with their chains', async () => {
  const rows = await wf.db.selectFrom('step_results').select(['run_id', 'step_id']).where('run_id', 'in', [runA, runB]).execute();
  expect(rows.filter((r) => r.run_id === runA).map((r) => r.step_id).sort()).toEqual(['cutover', 'fence', 'promote', 'verify']);
  const ok = await drillbook(['audit', 'verify']);
  expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining(`step_results rows: all ${rows.length} agree with their chains`) });
});

test('a superuser moves a step\'s end (what the RTO is recomputed from): verify exits 6 naming run, step and ended_at', async () => {
  await superuser(`UPDATE step_results SET ended_at = ended_at - interval '3 seconds' WHERE run_id = $1 AND step_id = 'verify'`, [runA]);
  const broken = await drillbook(['audit', 'verify']);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toMatch(new RegExp(`run ${runA} step verify: step_results DISAGREES with its chain: ended_at: row "[^"]+", chain "[^"]+"`));
  expect(broken.stdout).not.toContain(`run ${runB} step`);
  expect((await drillbook(['audit', 'verify', '--run', runB])).code).toBe(0);
  const json = JSON.parse((await drillbook(['audit', 'verify', '--run', runA, '--json'])).stdout);
  expect(json.steps).toMatchObject({ ok: false, rows: 4, mismatches: [{ runId: runA, stepId: 'verify', execution: 1 }] });
  const integrity = JSON.parse((await drillbook(['report', 'integrity', '--format', 'json'])).stdout);
  expect(integrity.stepResults).toMatchObject({ ok: false, mismatches: [{ runId: runA, stepId: 'verify' }] });
});

test('a superuser changes a step\'s state, a sequence member\'s start, an output: each is named', async () => {
  await superuser(`UPDATE step_results SET status = 'skipped' WHERE run_id = $1 AND step_id = 'fence'`, [runB]);
  await superuser(`UPDATE step_results SET started_at = started_at + interval '1 millisecond' WHERE run_id = $1 AND step_id = 'promote'`, [runB]);
  await superuser(`UPDATE step_results SET output = '{"ok": true, "forged": 1}'::jsonb WHERE run_id = $1 AND step_id = 'verify'`, [runB]);
  const broken = await drillbook(['audit', 'verify', '--run', runB]);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toContain(`run ${runB} step fence: step_results DISAGREES with its chain: state: row "skipped", chain "completed"`);
  expect(broken.stdout).toMatch(new RegExp(`run ${runB} step promote: step_results DISAGREES with its chain: started_at: row`));
  expect(broken.stdout).toContain(`run ${runB} step verify: step_results DISAGREES with its chain: output sha256: row`);
  expect(broken.stdout).not.toContain(`run ${runB} step cutover`);
});

test('a row no chained event backs, and a deleted row: both named', async () => {
  await superuser(`INSERT INTO step_results (run_id, step_id, execution, status, attempts, started_at, ended_at, output) VALUES ($1, 'ghost', 1, 'completed', 1, now(), now(), 'null')`, [runA]);
  await superuser(`DELETE FROM step_results WHERE run_id = $1 AND step_id = 'cutover'`, [runA]);
  const broken = await drillbook(['audit', 'verify', '--run', runA]);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toContain(`run ${runA} step ghost: step_results DISAGREES with its chain: no chained step event backs this row`);
  expect(broken.stdout).toContain(`run ${runA} step cutover: step_results DISAGREES with its chain: step_results row: missing`);
});
