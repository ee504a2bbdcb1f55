/**
 * The auditor's commands as a user runs them (bin/drillbook.js, built), on a real run started through
 * the API: sign-off and findings through the authenticated API (the author is the token's user; role
 * refusals and bad input named, audited, nothing written), reports in every format, and `audit checkpoint` / `verify --checkpoint` proving
 * an alteration made after the checkpoint by a superuser who re-hashed the chain.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRunEvents } from '../../src/audit/audit-events';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { findingsDb } from '../../src/findings/tables';
import { ApiClient } from '../../src/cli/api-client';
import { startRunViaApi } from '../../src/cli/api-runs';
import { asSuperuser, rehashChain } from '../support/db';
import { startTestApi, type TestApi } from '../support/api';
import { workflowSuite } from '../support/temporal';
import { cliEnv, runCli, type CliOutcome } from '../support/cli';
import { runbookHeader } from '../support/runbooks';

const dir = mkdtempSync(path.join(os.tmpdir(), 'reports-cli-'));
const wf = workflowSuite('reports-cli', undefined, { isolated: true });
let api: TestApi;
let runId: string;
const tokens: Record<string, string> = {};

function drillbook(args: string[], token?: string): Promise<CliOutcome> {
  return runCli(args, {
    cwd: dir,
    env: cliEnv(wf.db, { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: token ?? '' }),
  });
}

beforeAll(async () => {
  api = await startTestApi(wf.db, wf.client, wf.taskQueue);
  for (const [name, roles] of [['olga', ['operator']], ['bea', ['approver']], ['audrey', ['auditor']]] as const) tokens[name] = await api.tokenFor(name, [...roles]);
  const started = await startRunViaApi(new ApiClient({ api: api.url, token: tokens.olga }), {
    runbook: `${runbookHeader('small-drill', { objectives: null })}steps:
  - { id: fence, title: Fence, kind: action, action: { adapter: noop, input: { output: { ok: true } } }, marks: [rto.start] }
  - { id: verify, title: Verify, kind: action, needs: [fence], action: { adapter: noop, input: { output: { ok: true } } }, marks: [rto.end] }
`,
    file: 'small.yaml',
    mode: 'drill',
    params: {},
    reason: 'reports e2e',
  });
  await wf.client.workflow.getHandle(started.runId).result();
  runId = started.runId;
}, 120_000);

afterAll(async () => {
  await api?.close();
});

test('signoff through the API: each capacity needs its role, the initiator is never the independent reviewer, every attempt audited', async () => {
  expect(await drillbook(['signoff', runId, '--as', 'drill-owner', '--comment', 'done'], tokens.olga)).toMatchObject({ code: 0, stdout: expect.stringContaining('signed off') });
  const wrongRole = await drillbook(['signoff', runId, '--as', 'business-owner'], tokens.olga);
  expect(wrongRole.code).toBe(8);
  expect(wrongRole.stderr).toMatch(/business-owner needs the role "approver"/);
  expect((await drillbook(['signoff', runId, '--as', 'business-owner'], tokens.bea)).code).toBe(0);
  expect((await drillbook(['signoff', runId, '--as', 'independent-reviewer'], tokens.audrey)).code).toBe(0);
  expect((await drillbook(['signoff', runId, '--as', 'auditor-ish'], tokens.audrey))).toMatchObject({ code: 2, stderr: expect.stringMatching(/--as: "auditor-ish"/) });
  expect((await drillbook(['signoff', runId, '--as', 'drill-owner'], 'not-a-token')).code).toBe(8);

  const rows = await findingsDb(wf.db).selectFrom('run_signoffs').select(['role', 'signer']).where('run_id', '=', runId).orderBy('id').execute();
  expect(rows).toEqual([{ role: 'drill-owner', signer: 'olga' }, { role: 'business-owner', signer: 'bea' }, { role: 'independent-reviewer', signer: 'audrey' }]);
  const events = await listRunEvents(wf.db, runId);
  expect(events.filter((e) => e.type === 'signoff.recorded').map((e) => e.actor)).toEqual(['olga', 'bea', 'audrey']);
  const refused = events.filter((e) => e.type === 'action.refused').map((e) => e.data as { action: string; status: number });
  expect(refused).toEqual([expect.objectContaining({ action: 'signoff', status: 403 })]);
  expect((await verifyAuditChain(wf.db)).ok).toBe(true);
});

test('findings through the API: the author is the token\'s user, each act needs its role, bad input named, every attempt audited, nothing written when refused', async () => {
  const raise = ['finding', 'raise', '--run', runId, '--step', 'verify', '--severity', 'high', '--category', 'rto', '--title', 'slow verify', '--description', 'took long'];
  const bad = await drillbook(['finding', 'raise', '--run', runId, '--step', 'nope', '--severity', 'high', '--category', 'rto', '--title', 't', '--description', 'd'], tokens.audrey);
  expect(bad).toMatchObject({ code: 4, stderr: expect.stringMatching(/--step: run .* has no step "nope"/) });
  const badSeverity = await drillbook(['finding', 'raise', '--severity', 'huge', '--category', 'rto', '--title', 't', '--description', 'd'], tokens.audrey);
  expect(badSeverity).toMatchObject({ code: 2, stderr: expect.stringMatching(/--severity:/) });
  expect(await drillbook(raise)).toMatchObject({ code: 8, stderr: expect.stringMatching(/no API token/) });
  expect(await drillbook([...raise, '--as', 'audrey'], tokens.olga)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--as is no longer accepted/) });
  expect((await findingsDb(wf.db).selectFrom('findings').selectAll().execute())).toHaveLength(0);

  const raised = await drillbook(raise, tokens.audrey);
  expect(raised.code).toBe(0);
  const finding = JSON.parse(raised.stdout) as { findingId: string; recordedBy: string };
  expect(finding.recordedBy).toBe('audrey');
  // Remediation is the infra team's: an auditor may not own an action.
  const byAuditor = await drillbook(['finding', 'action-add', finding.findingId, '--description', 'tune', '--owner', 'dba', '--due', '2020-01-31'], tokens.audrey);
  expect(byAuditor).toMatchObject({ code: 8, stderr: expect.stringMatching(/manageFindingActions needs the role "operator"; audrey has "auditor"/) });
  const action = await drillbook(['finding', 'action-add', finding.findingId, '--description', 'tune', '--owner', 'dba', '--due', '2020-01-31'], tokens.olga);
  expect(action.code).toBe(0);
  const { actionId } = JSON.parse(action.stdout) as { actionId: string };
  expect(await drillbook(['finding', 'action-update', actionId, '--status', 'done'], tokens.olga)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--evidence: .*closing evidence/) });
  expect((await drillbook(['finding', 'action-update', actionId, '--status', 'in-progress', '--retest-run', runId], tokens.olga)).code).toBe(0);

  const report = await drillbook(['report', 'findings', '--format', 'json', '--as-of', '2026-11-25']);
  expect(JSON.parse(report.stdout).totals).toMatchObject({ findings: 1, openActions: 1, overdueActions: 1 });

  // Accepting a risk is the business owner's (approver): the operator is refused, the approver is recorded as such.
  const accept = ['finding', 'accept-risk', finding.findingId, '--rationale', 'compensating control', '--expires', '2099-01-01'];
  expect(await drillbook(accept, tokens.olga)).toMatchObject({ code: 8, stderr: expect.stringMatching(/acceptRisk needs the role "approver"/) });
  expect(await drillbook([...accept, '--approver', 'ceo'], tokens.bea)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--approver is no longer accepted/) });
  const accepted = await drillbook(accept, tokens.bea);
  expect(accepted.code).toBe(0);
  expect(JSON.parse(accepted.stdout)).toMatchObject({ findingId: finding.findingId, approver: 'bea', recordedBy: 'bea' });

  const register = JSON.parse((await drillbook(['finding', 'list', '--run', runId], tokens.audrey)).stdout) as { findings: { recordedBy: string; status: string }[] };
  expect(register.findings).toEqual([expect.objectContaining({ status: 'risk-accepted', recordedBy: 'bea' })]);
  const trail = await wf.db.selectFrom('audit_events').select(['chain_id', 'type', 'actor', 'data']).where('chain_id', 'in', ['api', 'findings']).orderBy('id').execute();
  expect(trail.filter((e) => e.chain_id === 'findings').map((e) => [e.type, e.actor])).toEqual([
    ['finding.raised', 'audrey'],
    ['finding.action_added', 'olga'],
    ['finding.action_updated', 'olga'],
    ['finding.risk_accepted', 'bea'],
  ]);
  const refused = trail.filter((e) => e.type === 'action.refused').map((e) => [e.actor, (e.data as { action: string; status: number }).action, (e.data as { status: number }).status]);
  expect(refused).toEqual(
    expect.arrayContaining([
      ['audrey', 'raiseFinding', 404],
      ['audrey', 'raiseFinding', 400],
      ['audrey', 'manageFindingActions', 403],
      ['olga', 'manageFindingActions', 400],
      ['olga', 'acceptRisk', 403],
    ]),
  );
});

test('reports from the CLI in every format; the dossier shows the sign-offs and the measured RTO', async () => {
  const json = await drillbook(['report', 'dossier', runId, '--format', 'json']);
  expect(json.code).toBe(0);
  const dossier = JSON.parse(json.stdout);
  expect(dossier.signoffs).toHaveLength(3);
  expect(dossier.missingSignoffs).toEqual([]);
  expect(typeof dossier.objectives.rto.achievedMs).toBe('number');
  expect(dossier.participants.map((p: { name: string }) => p.name)).toEqual(['audrey', 'bea', 'olga']);
  for (const format of ['csv', 'html']) expect((await drillbook(['report', 'dossier', runId, '--format', format])).stdout).toContain(runId);
  const pdfFile = path.join(dir, 'dossier.pdf');
  expect((await drillbook(['report', 'dossier', runId, '--format', 'pdf', '--out', pdfFile])).code).toBe(0);
  expect(readFileSync(pdfFile).subarray(0, 5).toString()).toBe('%PDF-');
  for (const format of ['json', 'csv', 'html']) expect((await drillbook(['report', 'integrity', '--format', format, '--period', '2026-H2'])).code).toBe(0);
  // Coverage is judged against the inventory: without one, a clear refusal.
  expect(await drillbook(['report', 'coverage', '--format', 'json'])).toMatchObject({ code: 4, stderr: expect.stringMatching(/no inventory has been applied/) });
  expect((await drillbook(['report', 'attainment', '--format', 'csv'])).code).toBe(0);
  expect(await drillbook(['report', 'coverage', '--period', '2026-H3'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--period: period "2026-H3"/) });
  expect(await drillbook(['report', 'coverage', '--format', 'docx'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format: "docx"/) });
  expect(await drillbook(['report', 'dossier', 'no-such-run', '--format', 'json'])).toMatchObject({ code: 4 });
});

test('audit checkpoint, then a superuser alters and re-hashes the run chain: verify passes alone, fails against the checkpoint naming chain and seq', async () => {
  const cpFile = path.join(dir, 'cp.json');
  const taken = await drillbook(['audit', 'checkpoint', '--out', cpFile]);
  expect(taken.code).toBe(0);
  const checkpoint = JSON.parse(readFileSync(cpFile, 'utf8'));
  expect((await drillbook(['audit', 'verify', '--checkpoint', cpFile])).code).toBe(0);

  await asSuperuser(wf.db, (admin) =>
    admin.query(`UPDATE audit_events SET body = replace(body, '"actor":"olga"', '"actor":"mallory"'), actor = 'mallory' WHERE chain_id = $1 AND seq = 1`, [runId]),
  );
  const broken = await drillbook(['audit', 'verify']);
  expect(broken.code).toBe(6);
  expect(broken.stdout).toContain(`chain ${runId} seq 1 (run ${runId}`);

  await asSuperuser(wf.db, async (admin) => {
    await rehashChain(admin, runId);
    // The runs row too: `audit verify` checks it against the chain.
    await admin.query(`UPDATE runs SET initiator = 'mallory' WHERE run_id = $1`, [runId]);
  });
  expect((await drillbook(['audit', 'verify'])).code).toBe(0);
  const against = await drillbook(['audit', 'verify', '--checkpoint', cpFile]);
  expect(against.code).toBe(6);
  expect(against.stdout).toContain(`checkpoint MISMATCH: chain ${runId} seq ${checkpoint.heads[runId].lastSeq}`);
  const integrity = await drillbook(['report', 'integrity', '--format', 'json']);
  expect(JSON.parse(integrity.stdout).checkpoints.map((c: { digest: string }) => c.digest)).toContain(checkpoint.digest);
});
