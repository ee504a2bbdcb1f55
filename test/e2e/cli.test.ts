/**
 * The CLI as a user runs it (the compiled `bin/drillbook.js`): validate, plan, run (through the API: the
 * token's user is the initiator), status, history, and `audit verify` before and after a row is altered
 * behind the triggers' back.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { startDemoSites, type DemoSites } from '../../src/cli/demo/demo-sites';
import { findTemporalCli } from '../../src/temporal/dev-server';
import type { RunningWorkers } from '../../src/temporal/worker';
import { startTestApi, type TestApi } from '../support/api';
import { runCli, type CliOutcome } from '../support/cli';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../support/db';
import { temporalAddress, testClient, testWorkers, uniqueQueue } from '../support/temporal';

const root = path.join(__dirname, '..', '..');
const runbooksDir = path.join(root, 'runbooks');
const execFileAsync = promisify(execFile);
const taskQueue = uniqueQueue('cli');
let db: Kysely<Database>;
let workers: RunningWorkers;
let sites: DemoSites;
let temporal: Awaited<ReturnType<typeof testClient>>;
let api: TestApi;
let aliceToken: string;

function drillbook(...args: string[]): Promise<CliOutcome> {
  return drillbookAs(aliceToken, ...args);
}

function drillbookAs(token: string | undefined, ...args: string[]): Promise<CliOutcome> {
  // Its own database: this file alters a row behind the triggers' back.
  return runCli(args, {
    env: { TEMPORAL_ADDRESS: temporalAddress(), DRILLBOOK_TASK_QUEUE: taskQueue, DATABASE_URL: testDbUrl(db), DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: token ?? '' },
  });
}

beforeAll(async () => {
  db = await isolatedTestDb();
  workers = await testWorkers(db, taskQueue);
  sites = await startDemoSites();
  temporal = await testClient();
  api = await startTestApi(db, temporal.client, taskQueue);
  aliceToken = await api.tokenFor('alice', ['operator']);
});

afterAll(async () => {
  await api?.close();
  await temporal?.close();
  await workers?.shutdown();
  await sites?.close();
  if (db) await destroyTestDb(db);
});

test('validate accepts every reference runbook', async () => {
  const files = readdirSync(runbooksDir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(runbooksDir, f));
  expect(files.length).toBeGreaterThan(0);
  const out = await drillbook('validate', ...files);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  for (const f of files) expect(out.stdout).toContain(`${f}: valid`);
});

test('schema prints the JSON Schema that editors use (the committed file)', async () => {
  const out = await drillbook('schema');
  expect(out.code).toBe(0);
  expect(JSON.parse(out.stdout)).toEqual(JSON.parse(readFileSync(path.join(root, 'schema', 'runbook.schema.json'), 'utf8')));
});

test('validate reports each error of a broken runbook at file:line:col, exit 1', async () => {
  const file = path.join(root, 'test', 'fixtures', 'runbooks', 'invalid', 'unknown-need.yaml');
  const out = await drillbook('validate', file);
  expect(out.code).toBe(1);
  expect(out.stdout).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `));
});

test('plan prints the order for a mode without calling anything', async () => {
  const params = ['--param', `siteA=${sites.siteA}`, '--param', `siteB=${sites.siteB}`, '--param', `webhook=${sites.webhook}`];
  const out = await drillbook('plan', path.join(runbooksDir, 'dr-readiness.yaml'), '--mode', 'failover', ...params, '--json');
  expect(out.code).toBe(0);
  const plan = JSON.parse(out.stdout) as { waves: string[][]; skipped: { id: string }[] };
  expect(plan.waves[0]).toEqual(expect.arrayContaining(['primary-healthy', 'dr-healthy']));
  expect(plan.skipped.map((s) => s.id)).toEqual(expect.arrayContaining(['switch-back', 'primary-serving']));
  expect(sites.trafficTarget()).toBe('site-a');
  const bad = await drillbook('plan', path.join(runbooksDir, 'dr-readiness.yaml'), '--mode', 'sideways');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/mode/);
});

const siteParams = () => ['--param', `siteA=${sites.siteA}`, '--param', `siteB=${sites.siteB}`, '--param', `webhook=${sites.webhook}`];

test('run without a token is refused (exit 8) and starts nothing; --initiator is refused (exit 2) with why', async () => {
  const file = path.join(runbooksDir, 'dr-readiness.yaml');
  const runsBefore = await db.selectFrom('runs').select('run_id').execute();
  const anonymous = await drillbookAs(undefined, 'run', file, '--mode', 'drill', ...siteParams(), '--reason', 'no token');
  expect(anonymous.code).toBe(8);
  expect(anonymous.stderr).toMatch(/no API token/);
  const badToken = await drillbookAs('drb_not-a-token', 'run', file, '--mode', 'drill', ...siteParams(), '--reason', 'bad token');
  expect(badToken.code).toBe(8);
  expect(badToken.stderr).toMatch(/invalid token \(HTTP 401/);
  const named = await drillbook('run', file, '--mode', 'drill', ...siteParams(), '--reason', 'named', '--initiator', 'mallory');
  expect(named.code).toBe(2);
  expect(named.stderr).toMatch(/--initiator is no longer accepted: a run's initiator is the user of the API token/);
  // An auditor's token is refused by the API (403), and the attempt is in the trail.
  const audrey = await api.tokenFor('audrey', ['auditor']);
  const auditor = await drillbookAs(audrey, 'run', file, '--mode', 'drill', ...siteParams(), '--reason', 'not mine to start');
  expect(auditor.code).toBe(8);
  expect(auditor.stderr).toMatch(/start needs the role "operator"/);
  expect(await db.selectFrom('runs').select('run_id').execute()).toEqual(runsBefore);
  const refused = await db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', 'api').where('type', '=', 'action.refused').execute();
  expect(refused.map((e) => [e.actor, (e.data as { status: number }).status])).toEqual(expect.arrayContaining([['anonymous', 401], ['audrey', 403]]));
});

test('run → visible by search attributes in Temporal, story in PostgreSQL, audit verify passes, then fails on a tampered row', async () => {
  const out = await drillbook(
    'run',
    path.join(runbooksDir, 'dr-readiness.yaml'),
    '--mode',
    'drill',
    '--param',
    `siteA=${sites.siteA}`,
    '--param',
    `siteB=${sites.siteB}`,
    '--param',
    `webhook=${sites.webhook}`,
    '--reason',
    'CLI test',
    '--wait',
    '--json',
  );
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const run = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { runId: string; state: string; verdict: string };
  expect(run.state).toBe('completed');
  expect(run.verdict).toBe('pass');

  const { stdout: listed } = await execFileAsync(findTemporalCli(), [
    'workflow',
    'list',
    '--address',
    temporalAddress(),
    '--query',
    `DrillRunbook='dr-readiness' AND DrillService='payments' AND DrillMode='drill' AND DrillInitiator='alice'`,
    '--output',
    'json',
  ]);
  expect(listed).toContain(run.runId);
  // The initiator is the token's user, in the trail as in Temporal.
  const row = await db.selectFrom('runs').select(['initiator']).where('run_id', '=', run.runId).executeTakeFirstOrThrow();
  expect(row.initiator).toBe('alice');
  const startedEvent = await db.selectFrom('audit_events').select(['actor']).where('chain_id', '=', run.runId).where('type', '=', 'run.started').executeTakeFirstOrThrow();
  expect(startedEvent.actor).toBe('alice');

  // One exit-code rule for run, status and watch: by the verdict (pass → 0).
  const status = await drillbook('status', run.runId, '--json');
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout).state).toBe('completed');
  const watched = await drillbook('watch', run.runId, '--json');
  expect(watched.code).toBe(0);
  expect(JSON.parse(watched.stdout)).toMatchObject({ runId: run.runId, state: 'completed', verdict: 'pass', ended: true });
  // The same run read from the trail only (its row says partial): exit 3, by the verdict, for both.
  await db.updateTable('runs').set({ verdict: 'partial' }).where('run_id', '=', run.runId).execute();
  expect((await drillbook('watch', run.runId, '--once')).code).toBe(3);
  await db.updateTable('runs').set({ verdict: 'pass' }).where('run_id', '=', run.runId).execute();
  expect((await drillbook('status', 'no-such-run')).code).toBe(4);
  const history = await drillbook('history', '--service', 'payments', '--json');
  expect(JSON.parse(history.stdout).map((r: { runId: string }) => r.runId)).toContain(run.runId);

  const ok = await drillbook('audit', 'verify', '--run', run.runId);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/intact/);

  const victim = await db
    .selectFrom('audit_events')
    .select(['seq', 'id'])
    .where('chain_id', '=', run.runId)
    .where('type', '=', 'step.completed')
    .orderBy('seq')
    .executeTakeFirstOrThrow();
  await expect(sql`UPDATE audit_events SET actor = 'mallory' WHERE id = ${victim.id}`.execute(db)).rejects.toThrow(/append-only|not allowed|refuse/i);
  await db.connection().execute(async (conn) => {
    await sql`SET session_replication_role = replica`.execute(conn);
    await sql`UPDATE audit_events SET body = replace(body, '"execution":1', '"execution":2') WHERE id = ${victim.id}`.execute(conn);
    await sql`SET session_replication_role = DEFAULT`.execute(conn);
  });
  const broken = await drillbook('audit', 'verify', '--run', run.runId, '--json');
  expect(broken.code).toBe(6);
  const report = JSON.parse(broken.stdout);
  expect(report.ok).toBe(false);
  expect(report.firstBreak).toMatchObject({ chainId: run.runId, seq: Number(victim.seq) });
});
