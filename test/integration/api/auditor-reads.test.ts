/**
 * The auditor's and the programme's reads over real HTTP (issue 16): each behind the one gate (no
 * token 401; the access review admin and auditor only), each answering what the report builders of
 * src/reports/ answer (compared with the builders called directly, so no route computes its own
 * figures), bad query input a 400 naming the parameter, the dossier as downloads, the programme from
 * Temporal's schedules with the blackouts applied; and an auditor, who reads everything, changes
 * nothing: every POST they try is refused and recorded.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { API_CHAIN } from '../../../src/audit/human-actions';
import { programmeDb } from '../../../src/inventory/tables';
import { attainmentReport } from '../../../src/reports/attainment-report';
import { coverageMatrix } from '../../../src/reports/coverage-report';
import { buildDossier } from '../../../src/reports/dossier';
import { findingsReport } from '../../../src/reports/findings-report';
import { integrityAttestation } from '../../../src/reports/integrity-report';
import { renderReport } from '../../../src/reports/render-report';
import { fileName, oneAtATime } from '../../../src/api/routes/reports';
import { programmeView } from '../../../src/api/routes/programme';
import { raiseFinding } from '../../../src/findings/register';
import { DEFAULT_API_LIMITS } from '../../../src/api/api-limits';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, upsertUser } from '../../../src/auth/users';
import { testSigner } from '../../support/signing';
import { destroyTestDb, isolatedTestDb, uniqueId } from '../../support/db';
import { testClient, uniqueQueue } from '../../support/temporal';
import { seedHistory, type SeededRun } from '../reports/seed-history';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let api: RunningApi;
let runs: SeededRun[];
const tokens: Record<string, string> = {};
const scheduleId = uniqueId('drill-auditor-reads');

beforeAll(async () => {
  db = await isolatedTestDb();
  ({ client, close: closeClient } = await testClient());
  ({ runs } = await seedHistory(db, 240));
  // The lockout after failed authentications is raised: the first test sends a 401 to each route on purpose.
  api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue: uniqueQueue('auditor-reads'), port: 0, limits: { ...DEFAULT_API_LIMITS, authFailures: 1000 } });
  for (const [name, roles] of [['audrey', ['auditor']], ['olga', ['operator']], ['adam', ['admin']]] as const) {
    await upsertUser(db, { name, roles: [...roles] });
    tokens[name] = (await issueToken(db, name, { label: 'test' })).token;
  }
  await raiseFinding(db, { runId: runs[0].runId, severity: 'high', category: 'rto', title: 'slow fence', description: 'the fence took too long', actor: 'olga' });
}, 120_000);

afterAll(async () => {
  await client?.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await api?.close();
  await closeClient?.();
  if (db) await destroyTestDb(db);
});

async function get(path: string, who: string | null = 'audrey') {
  const response = await fetch(`${api.url}${path}`, { headers: who ? { authorization: `Bearer ${tokens[who] ?? who}` } : {} });
  const type = response.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, type, bytes, body: type.startsWith('application/json') ? (JSON.parse(bytes.toString('utf8')) as any) : undefined };
}

/** JSON as it travels (dates as ISO text), for comparing an answer with a builder's result. */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value));

const READS = [
  '/api/history?service=svc-01',
  '/api/reports/coverage?period=2026-H1',
  '/api/reports/attainment',
  '/api/reports/findings',
  '/api/reports/integrity?period=2026',
  '/api/runs/seed-00001/dossier',
  '/api/runs/seed-00001/dossier/download?format=csv',
  '/api/programme',
];

test('every read needs a token; an auditor reads them all', async () => {
  for (const path of READS) {
    expect({ path, status: (await get(path, null)).status }).toEqual({ path, status: 401 });
    expect({ path, status: (await get(path, 'not-a-token')).status }).toEqual({ path, status: 401 });
    expect({ path, status: (await get(path)).status }).toEqual({ path, status: 200 });
  }
});

test('the coverage matrix, attainment, findings and dossier are the report builders\' own figures', async () => {
  const coverage = await get('/api/reports/coverage?period=2026-H1');
  const expected = wire(await coverageMatrix(db, '2026-H1'));
  expect({ ...coverage.body, asOf: undefined }).toEqual({ ...expected, asOf: undefined });
  expect(coverage.body.services).toHaveLength(30);

  const attainment = await get('/api/reports/attainment?from=2024-01-01&to=2026-12-01T00:00:00Z');
  expect(attainment.body).toEqual(wire(await attainmentReport(db, { from: new Date('2024-01-01'), to: new Date('2026-12-01T00:00:00Z') })));
  const one = await get('/api/reports/attainment?from=2024-01-01&to=2026-12-01T00:00:00Z&service=svc-02');
  expect(one.body.rows.length).toBeGreaterThan(0);
  expect(one.body.rows.every((r: { service: string }) => r.service === 'svc-02')).toBe(true);
  expect(one.body.trend.every((r: { service: string }) => r.service === 'svc-02')).toBe(true);

  const findings = await get('/api/reports/findings?asOf=2026-12-01');
  expect(findings.body).toEqual(wire(await findingsReport(db, new Date('2026-12-01'))));
  expect(findings.body.findings[0]).toEqual(expect.objectContaining({ title: 'slow fence', ageDays: expect.any(Number) }));

  const run = runs.find((r) => r.status === 'completed')!;
  const dossier = await get(`/api/runs/${run.runId}/dossier`);
  expect(dossier.body).toEqual(wire(await buildDossier(db, run.runId)));
  expect(dossier.body.objectives.rto.achievedMs).toBe(run.rtoMs);
});

test('integrity: readers asking at once, or again within seconds, share one verification of the whole trail, the builder\'s result', async () => {
  const answers = await Promise.all([1, 2, 3].map(() => get('/api/reports/integrity?period=2026')));
  answers.push(await get('/api/reports/integrity?period=2026'));
  expect(new Set(answers.map((a) => a.body.generatedAt)).size).toBe(1);
  // Another period is its own verification.
  expect((await get('/api/reports/integrity?period=2025')).body.generatedAt).not.toBe(answers[0].body.generatedAt);
  const expected = wire(await integrityAttestation(db, '2026'));
  expect({ ...answers[0].body.verification, seconds: 0 }).toEqual({ ...expected.verification, seconds: 0 });
  expect({ ...answers[0].body, verification: undefined, generatedAt: undefined }).toEqual({ ...expected, verification: undefined, generatedAt: undefined });
  expect(answers[0].body.verification.ok).toBe(true);
});

test("a service's history: its runs newest first, paged, with its inventory entry", async () => {
  const mine = runs.filter((r) => r.service === 'svc-03').sort((a, b) => b.startedAt - a.startedAt);
  const first = await get('/api/history?service=svc-03&limit=3');
  expect(first.body.inventory).toEqual(expect.objectContaining({ owner: 'svc-03-team', cadence: expect.any(String) }));
  expect(first.body.runs.map((r: { runId: string }) => r.runId)).toEqual(mine.slice(0, 3).map((r) => r.runId));
  expect(first.body.next).toBe(first.body.runs[2].startedAt);
  const second = await get(`/api/history?service=svc-03&limit=3&before=${encodeURIComponent(first.body.next)}`);
  expect(second.body.runs.map((r: { runId: string }) => r.runId)).toEqual(mine.slice(3, 6).map((r) => r.runId));
  const unknown = await get('/api/history?service=no-such-service');
  expect(unknown.body).toEqual({ service: 'no-such-service', inventory: null, runs: [], next: null });
});

test('bad query input is a 400 naming the parameter, never a 500', async () => {
  const cases: [string, string][] = [
    ['/api/reports/coverage?period=2026-H3', 'period'],
    ['/api/reports/coverage?period=0999', 'period'],
    ['/api/reports/coverage?period=2026-H1&period=2026-H2', 'period'],
    ['/api/reports/integrity?period=last-year', 'period'],
    ['/api/reports/attainment?from=yesterday', 'from'],
    ['/api/reports/attainment?from=2026-13-45', 'from'],
    ['/api/reports/attainment?from=2026-06-01&to=2026-01-01', 'from'],
    ['/api/reports/findings?asOf=%00', 'asOf'],
    ['/api/history?service=svc-01&limit=0', 'limit'],
    ['/api/history?service=svc-01&limit=ten', 'limit'],
    ['/api/history?service=svc-01&before=soon', 'before'],
    ['/api/history?service=svc%00', 'service'],
    ['/api/history', 'service'],
    ['/api/runs/seed-00001/dossier/download', 'format'],
    ['/api/runs/seed-00001/dossier/download?format=exe', 'format'],
    ['/api/runs/a%00b/dossier', 'runId'],
    ['/api/users/NOT%20A%20NAME/tokens', 'name'],
  ];
  for (const [path, field] of cases) {
    const { status, body } = await get(path, path.startsWith('/api/users') ? 'adam' : 'audrey');
    expect({ path, status, field: body?.field }).toEqual({ path, status: 400, field });
    expect(body.message.startsWith(`${field}: `)).toBe(true);
  }
  expect((await get('/api/history')).body.message).toBe('service: required');
  expect((await get('/api/reports/coverage?period=2026-H1&period=2026-H2')).body.message).toBe('period: expected one value');
  expect((await get('/api/runs/no-such-run/dossier')).status).toBe(404);
  expect((await get('/api/runs/no-such-run/dossier/download?format=pdf')).status).toBe(404);
});

test('the dossier downloads: each format with its type and an attachment name; the PDF printed by Chromium', async () => {
  const run = runs.find((r) => r.status === 'completed')!;
  for (const [format, type] of [['json', 'application/json'], ['csv', 'text/csv'], ['html', 'text/html'], ['pdf', 'application/pdf']] as const) {
    const file = await get(`/api/runs/${run.runId}/dossier/download?format=${format}`);
    expect({ format, status: file.status }).toEqual({ format, status: 200 });
    expect(file.type.startsWith(type)).toBe(true);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="dossier-${run.runId}.${format}"`);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    if (format === 'pdf') expect(file.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    if (format === 'html') expect(file.bytes.toString('utf8')).toContain(run.runId);
    if (format === 'json') expect(JSON.parse(file.bytes.toString('utf8')).runId).toBe(run.runId);
  }
  // A run id can hold anything a workflow id can: the header's file name keeps only safe characters.
  expect(fileName('dossier-a"b\r\nSet-Cookie: x=1', 'pdf')).toBe('dossier-a_b__Set-Cookie__x_1.pdf');
}, 120_000);

test('the period reports as files: the builders\' figures rendered as the CLI renders them, each with its name', async () => {
  const coverage = await get('/api/reports/coverage/download?format=csv&period=2026-H1');
  expect(coverage.headers.get('content-disposition')).toBe('attachment; filename="coverage-2026-H1.csv"');
  expect(coverage.bytes.toString('utf8')).toBe((await renderReport(await coverageMatrix(db, '2026-H1'), 'csv')).toString('utf8'));
  const findings = await get('/api/reports/findings/download?format=html&asOf=2026-12-01');
  expect(findings.type.startsWith('text/html')).toBe(true);
  expect(findings.headers.get('content-disposition')).toBe('attachment; filename="findings-2026-12-01.html"');
  expect(findings.bytes.toString('utf8')).toBe((await renderReport(await findingsReport(db, new Date('2026-12-01')), 'html')).toString('utf8'));
  const attainment = await get('/api/reports/attainment/download?format=json&from=2024-01-01&to=2026-12-01&service=svc-04');
  expect(attainment.headers.get('content-disposition')).toBe('attachment; filename="attainment-2024-01-01-2026-12-01.json"');
  expect(JSON.parse(attainment.bytes.toString('utf8')).rows.every((r: { service: string }) => r.service === 'svc-04')).toBe(true);
  const integrity = await get('/api/reports/integrity/download?format=pdf&period=2026');
  expect(integrity.type).toBe('application/pdf');
  expect(integrity.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  for (const [path, field] of [
    ['/api/reports/coverage/download?period=2026-H1', 'format'],
    ['/api/reports/coverage/download?format=docx', 'format'],
    ['/api/reports/coverage/download?format=csv&period=H1', 'period'],
    ['/api/reports/attainment/download?format=csv&to=2020-01-01&from=2021-01-01', 'from'],
  ]) {
    const { status, body } = await get(path);
    expect({ path, status, field: body?.field }).toEqual({ path, status: 400, field });
  }
  expect((await get('/api/reports/integrity/download?format=csv', null)).status).toBe(401);
}, 120_000);

test('the programme: services with their status, the coming drills deferred by blackouts, the windows, what is overdue', async () => {
  // A schedule as `drillbook schedule create` leaves it: Temporal's schedule and its pin in the database.
  const schedule = await client.schedule.create({
    scheduleId,
    spec: { calendars: [{ month: 'JANUARY', dayOfMonth: 15, hour: 10 }], timezone: 'UTC' },
    action: { type: 'startWorkflow', workflowType: 'scheduledDrill', workflowId: `${scheduleId}-run`, taskQueue: uniqueQueue('nobody-polls'), args: [] },
  });
  const next = (await schedule.describe()).info.nextActionTimes[0];
  await programmeDb(db)
    .insertInto('drill_schedules')
    .values({ schedule_id: scheduleId, service: 'svc-01', runbook_name: 'svc-01-failover', runbook_version: '1', runbook_file: 'svc-01.yaml', plan_hash: 'abc', mode: 'drill', spec: {} })
    .execute();
  const closingEnd = new Date(next.getTime() + 2 * 86_400_000);
  await programmeDb(db)
    .insertInto('blackout_windows')
    .values([
      { name: 'closing', starts_at: new Date(next.getTime() - 86_400_000), ends_at: closingEnd, reason: 'year-end closing', services: ['svc-01'] },
      { name: 'nights', recurrence: JSON.stringify({ from: '22:00', to: '06:00' }) as never, reason: null, services: null },
      { name: 'long-gone', starts_at: new Date('2020-01-01T00:00:00Z'), ends_at: new Date('2020-01-02T00:00:00Z'), reason: null, services: null },
    ])
    .execute();

  const { status, body } = await get('/api/programme');
  expect(status).toBe(200);
  expect(body.services).toHaveLength(30);
  expect(body.services.find((s: { service: string }) => s.service === 'svc-01')).toEqual(expect.objectContaining({ schedules: [scheduleId], rtoMs: expect.any(Number) }));
  const drill = body.nextDrills.find((d: { scheduleId: string }) => d.scheduleId === scheduleId);
  expect(drill).toEqual({ scheduleId, service: 'svc-01', at: next.toISOString(), deferredUntil: closingEnd.toISOString(), blackouts: ['closing'] });
  expect(body.blackouts.map((b: { name: string }) => b.name).sort()).toEqual(['closing', 'nights']);
  expect(body.blackouts.find((b: { name: string }) => b.name === 'nights')).toEqual(expect.objectContaining({ kind: 'recurring', description: expect.stringContaining('22:00-06:00'), services: null }));
  expect(body.overdue.map((o: { service: string }) => o.service)).toEqual(body.services.filter((s: { status: string }) => s.status === 'overdue').map((s: { service: string }) => s.service));
  expect(body.schedulesUnavailable).toBeNull();
});

test("Temporal unreachable: the programme still answers from the database, and says so without Temporal's own text", async () => {
  const down = { schedule: { list: () => { throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.20.30.40:7233'); } } } as unknown as Client;
  const view = await programmeView({ db, temporal: down, taskQueue: 'x', signer: undefined as never });
  expect(view.schedules).toBeNull();
  expect(view.schedulesUnavailable).toMatch(/could not be read from Temporal/);
  expect(JSON.stringify(view)).not.toContain('10.20.30.40');
  expect(view.services).toHaveLength(30);
});

test('PDFs are printed one at a time, and one that fails does not stop the next', async () => {
  let running = 0;
  let most = 0;
  const job = (fail: boolean) => async () => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    if (fail) throw new Error('chromium crashed');
    return 'ok';
  };
  const outcomes = await Promise.allSettled([oneAtATime(job(false)), oneAtATime(job(true)), oneAtATime(job(false))]);
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(most).toBe(1);
});

test('the access review: admins and auditors see users, roles and token prefixes, never a token; others are refused', async () => {
  const issued = await (await fetch(`${api.url}/api/users/olga/tokens`, { method: 'POST', headers: { authorization: `Bearer ${tokens.adam}`, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'laptop' }) })).json() as { token: string; prefix: string };
  for (const who of ['adam', 'audrey']) {
    const list = await get('/api/users/olga/tokens', who);
    expect(list.status).toBe(200);
    expect(list.body.tokens).toEqual(expect.arrayContaining([expect.objectContaining({ prefix: issued.prefix, label: 'laptop', state: 'active' })]));
    const text = list.bytes.toString('utf8');
    expect(text).not.toContain(issued.token);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no token hash either
    expect((await get('/api/users', who)).status).toBe(200);
    expect((await get('/api/roles', who)).body.roles).toEqual(expect.arrayContaining([{ role: 'auditor', may: expect.arrayContaining(['read', 'reviewAccess']) }]));
  }
  for (const path of ['/api/users/olga/tokens', '/api/users', '/api/roles']) expect({ path, status: (await get(path, 'olga')).status }).toEqual({ path, status: 403 });
  expect((await get('/api/users/nobody/tokens', 'audrey')).status).toBe(404);
});

test('an auditor changes nothing: every change they try is refused 403 and recorded with their name', async () => {
  const attempts: [string, unknown][] = [
    ['/api/users', { name: 'mallory', roles: ['admin'] }],
    ['/api/users/olga/tokens', { label: 'stolen' }],
    ['/api/users/olga/tokens/revoke', {}],
    ['/api/users/olga/disable', {}],
    ['/api/runbooks/abcdef0123/revoke', { reason: 'because' }],
    ['/api/runs', { runbook: 'x', mode: 'drill', reason: 'r' }],
    ['/api/runs/seed-00001/abort', { reason: 'r' }],
    ['/api/findings/F-0001/actions', { description: 'd', owner: 'o', dueDate: '2027-01-01' }],
  ];
  for (const [path, body] of attempts) {
    const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.audrey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect({ path, status: response.status }).toEqual({ path, status: 403 });
  }
  const refused = await db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', API_CHAIN).where('type', '=', 'action.refused').where('actor', '=', 'audrey').execute();
  expect(refused.length).toBeGreaterThanOrEqual(attempts.length - 1);
  const users = await get('/api/users', 'adam');
  expect(users.body.users.map((u: { name: string }) => u.name)).not.toContain('mallory');
});
