/**
 * "What changed since the last drill", end to end on real runs (real Temporal workers, the test
 * PostgreSQL, noop steps): a runbook drilled, then changed (a step added, a param default changed,
 * the RTO changed, the version bumped) and drilled again. The first run's dossier says "first drill";
 * the second's names exactly those changes, in JSON, HTML and CSV. Coverage flags the service once
 * the runbook is registered in another version after its last passing drill, clears the flag when
 * the new version passes, and flags it again when a newer version is run and fails; `drillbook
 * coverage` says so too. A pinned plan altered behind the trail's back is named in the dossier.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { CoverageAnswer, DossierAnswer } from '../../../src/api/report-answers';
import { coverageReport } from '../../../src/coverage/query';
import { applyInventory } from '../../../src/inventory/apply';
import { loadInventoryFile } from '../../../src/inventory/load';
import { registerRunbook } from '../../../src/real-runs/registrations';
import { coverageMatrix } from '../../../src/reports/coverage-report';
import { buildDossier } from '../../../src/reports/dossier';
import { halfYearOf } from '../../../src/reports/period';
import { esc } from '../../../src/reports/render/escape';
import { renderReport } from '../../../src/reports/render-report';
import { asSuperuser } from '../../support/db';
import { cliEnv, runCli } from '../../support/cli';
import { compileRunbook, startRunbook } from '../../support/runbooks';
import { workflowSuite } from '../../support/temporal';

const wf = workflowSuite('since-last-drill', undefined, { isolated: true });
const dir = mkdtempSync(path.join(os.tmpdir(), 'since-last-drill-'));

const V1 = `apiVersion: drillbook/v1
name: ledger-failover
version: "1.0"
owners: [ops@example]
services: [ledger]
objectives: { rto: 45s }
modes: [drill, failover]
params:
  region: { type: string, default: eu }
steps:
  - id: switch
    title: Switch
    kind: action
    action: { adapter: noop, input: { output: { region: "\${{ params.region }}" } } }
    marks: [rto.start]
  - id: serving
    title: Serving
    kind: check
    needs: [switch]
    probe: { adapter: noop, input: { output: { ok: true } } }
    expect: output.ok
    marks: [rto.end]
`;
// A step added, a param default changed, the RTO changed, the version bumped.
const V2 = V1.replace('version: "1.0"', 'version: "1.1"').replace('rto: 45s', 'rto: 40s').replace('default: eu', 'default: us')
  + `  - id: announce
    title: Announce
    kind: action
    needs: [serving]
    action: { adapter: noop }
`;
// A newer version whose check fails: run, never passed.
const V3 = V2.replace('version: "1.1"', 'version: "1.2"').replace('output: { ok: true }', 'output: { ok: false }').replace('    expect: output.ok\n', '    expect: output.ok\n    onFailure: abort\n');

async function drill(yaml: string): Promise<string> {
  const handle = await startRunbook(wf, yaml, { reason: 'since-last-drill test' });
  await handle.result();
  return handle.workflowId;
}

const ledger = async () => (await coverageReport(wf.db, new Date())).services.find((s) => s.service === 'ledger')!;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'ledger.yaml'), V1);
  writeFileSync(path.join(dir, 'services.yaml'), `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: UTC
services:
  - name: ledger
    owner: ops@example
    criticality: critical
    sites: [a, b]
    objectives: { rto: 45s, rpo: 0s }
    runbooks:
      - file: ledger.yaml
`);
  const loaded = loadInventoryFile(path.join(dir, 'services.yaml'), adapterRegistry);
  if (!loaded.inventory) throw new Error(JSON.stringify(loaded.diagnostics));
  await applyInventory(wf.db, loaded.inventory, 'test', new Date(Date.now() - 86_400_000));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('first drill, then the changed runbook: the dossier names exactly what changed; coverage flags a change since the last pass and clears it', async () => {
  const v1 = compileRunbook(V1);
  const v2 = compileRunbook(V2);
  const v3 = compileRunbook(V3);

  const first = await drill(V1);
  const d1 = await buildDossier(wf.db, first);
  expect(d1.summary.verdict).toBe('pass');
  expect(d1.sinceLastDrill).toEqual({
    runbook: 'ledger-failover', version: '1.0', planHash: v1.planHash, previous: null, outcome: 'first drill', diff: null, changes: [], trail: { ok: true, problems: [] },
  });
  expect((await renderReport(d1, 'html')).toString()).toContain('<strong data-since-last-drill="first drill">First drill of this runbook.</strong>');
  expect(DossierAnswer.safeParse(d1).success).toBe(true);
  expect(await ledger()).toMatchObject({ status: 'drilled', changedSinceLastPass: false, runbookChanges: [] });

  // v2 registered for real use: the runbook as it is now is not the one that passed.
  await registerRunbook(wf.db, { plan: v2.plan, planHash: v2.planHash, reason: 'reviewed change', actor: 'adam', requestId: 'req-since-last-drill-v2' });
  const flagged = await ledger();
  expect(flagged.changedSinceLastPass).toBe(true);
  expect(flagged.runbookChanges).toEqual([{
    runbook: 'ledger-failover',
    lastPass: { runId: first, version: '1.0', planHash: v1.planHash, endedAt: d1.summary.endedAt },
    current: { source: 'registration', ref: 'req-since-last-drill-v2', version: '1.1', planHash: v2.planHash, at: expect.any(String) },
  }]);
  expect(flagged.changedSinceDrill).toBe(true);
  const matrix = await coverageMatrix(wf.db, halfYearOf(new Date(), 'UTC'));
  expect(CoverageAnswer.safeParse(matrix).success).toBe(true);
  expect(matrix.services[0]).toMatchObject({ service: 'ledger', changedSinceLastPass: true, runbookChanges: flagged.runbookChanges });
  expect(matrix.totals.changedSinceLastPass).toBe(1);
  const csv = (await renderReport(matrix, 'csv')).toString().split('\r\n');
  expect(csv[0]).toMatch(/,changed_since_last_pass,runbook_changes$/);
  expect(csv[1]).toContain(`,true,"ledger-failover 1.0 (${v1.planHash.slice(0, 12)}, passed in ${first}) -> 1.1 (${v2.planHash.slice(0, 12)}, registration req-since-last-drill-v2,`);
  expect((await renderReport(matrix, 'html')).toString()).toContain('1 with a runbook changed since its last passing drill');

  // `drillbook coverage`, as a person runs it.
  const cli = await runCli(['coverage'], { env: cliEnv(wf.db) });
  expect(cli.code).toBe(0);
  expect(cli.stdout).toMatch(/ledger .*\[.*CHANGED SINCE LAST PASS.*\]/);
  expect(cli.stdout).toContain(`changed: runbook "ledger-failover" was registered as 1.1`);

  // The second drill, of v2: its dossier names exactly the changes.
  const second = await drill(V2);
  const d2 = await buildDossier(wf.db, second);
  expect(d2.summary.verdict).toBe('pass');
  const s = d2.sinceLastDrill;
  expect(s).toMatchObject({
    runbook: 'ledger-failover', version: '1.1', planHash: v2.planHash, outcome: 'changed', trail: { ok: true, problems: [] },
    previous: { runId: first, version: '1.0', planHash: v1.planHash, startedAt: d1.summary.startedAt, endedAt: d1.summary.endedAt, status: 'completed', verdict: 'pass' },
  });
  expect(s.diff).toMatchObject({
    identical: false,
    steps: { added: [{ id: 'announce', title: 'Announce', kind: 'action' }], removed: [], changed: [] },
    prechecks: { added: [], removed: [], changed: [] },
    params: { added: [], removed: [], changed: [{ name: 'region', fields: [{ path: 'default', before: 'eu', after: 'us' }] }] },
    objectives: [{ path: 'rtoMs', before: 45_000, after: 40_000 }],
    header: [{ path: 'runbook.version', before: '1.0', after: '1.1' }],
    order: null,
  });
  expect(s.changes).toEqual([
    { what: 'runbook', item: 'runbook.version', detail: 'runbook.version: "1.0" -> "1.1"' },
    { what: 'objective', item: 'rtoMs', detail: 'rtoMs: 45000 -> 40000' },
    { what: 'param changed', item: 'region', detail: 'default: "eu" -> "us"' },
    { what: 'step added', item: 'announce', detail: 'action: Announce' },
  ]);
  expect(DossierAnswer.safeParse(d2).success).toBe(true);
  const html = (await renderReport(d2, 'html')).toString();
  expect(html).toContain('<h2>What changed since the last drill</h2>');
  expect(html).toContain(`run ${first}, ledger-failover 1.0, started ${d1.summary.startedAt}`);
  expect(html).toContain('Changed since the last drill: 4 changes.');
  for (const c of s.changes) expect(html).toContain(`<tr><td>${c.what}</td><td>${c.item}</td><td>${esc(c.detail)}</td></tr>`);
  const dossierCsv = (await renderReport(d2, 'csv')).toString().split('\r\n');
  expect(dossierCsv[0]).toMatch(/,plan_hash,last_drill_run_id,last_drill_plan_hash,since_last_drill,changes_since_last_drill$/);
  expect(dossierCsv[1]).toMatch(new RegExp(`,${v2.planHash},${first},${v1.planHash},changed,4$`));
  // The new version passed: nothing changed since the last pass.
  expect(await ledger()).toMatchObject({ changedSinceLastPass: false, runbookChanges: [], lastDrill: { runId: second } });

  // v3 run and failed: changed since the last pass (the run is the evidence).
  const third = await drill(V3);
  expect((await buildDossier(wf.db, third)).summary.verdict).not.toBe('pass');
  expect((await ledger()).runbookChanges).toEqual([{
    runbook: 'ledger-failover',
    lastPass: expect.objectContaining({ runId: second, planHash: v2.planHash }),
    current: expect.objectContaining({ source: 'run', ref: third, version: '1.2', planHash: v3.planHash }),
  }]);
  // Drilled again unchanged: its last drill (any verdict) was the failed v3 one, with the same plan.
  const fourth = await drill(V3);
  const d4 = await buildDossier(wf.db, fourth);
  expect(d4.sinceLastDrill).toMatchObject({ outcome: 'no change', previous: { runId: third, verdict: d4.summary.verdict }, changes: [] });
  expect((await renderReport(d4, 'html')).toString()).toContain('No change: the same plan hash as the last drill.');
}, 180_000);

test("a previous run's pinned plan altered behind the trail's back: the dossier names it", async () => {
  const runs = await wf.db.selectFrom('runs').select(['run_id', 'runbook_version']).where('runbook_name', '=', 'ledger-failover').orderBy('started_at').execute();
  const [first, second] = runs.map((r) => r.run_id);
  await asSuperuser(wf.db, (admin) => admin.query(`UPDATE runs SET plan = jsonb_set(plan, '{objectives,rtoMs}', '1') WHERE run_id = $1`, [first]));
  const s = (await buildDossier(wf.db, second)).sinceLastDrill;
  expect(s.trail.ok).toBe(false);
  expect(s.trail.problems).toEqual([expect.stringMatching(new RegExp(`^run ${first}: its pinned plan hashes to [0-9a-f]{64}, not [0-9a-f]{64} \\(the plan was changed\\)$`))]);
  expect((await renderReport((await buildDossier(wf.db, second)), 'html')).toString()).toContain('The pinned plans disagree with the audit trail');
});
