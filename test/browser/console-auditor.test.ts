/**
 * Issue 16, the auditor in the console (playwright-core driving Debian's Chromium against the real API
 * and console served by it, a real worker, the test Temporal dev server and PostgreSQL): a drill of a
 * simple runbook (http steps against a loopback server) finishes; the auditor signs in, sees the
 * coverage matrix and the attainment chart drawn from the figures, opens the run's dossier and
 * downloads its PDF (its text holds the run id and the RTO), finds no form that changes anything on
 * any of their pages, and a POST they forge with their own session and CSRF token is refused and
 * recorded under their name. An admin issues a token on the Admin page (shown once, then only its
 * prefix) and revokes it. The dossier says the run is the runbook's first drill; once the runbook is
 * registered in another version, the coverage matrix badges the service "changed since last pass".
 * Screenshots go to test-artifacts/console/.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { adapterRegistry } from '../../activities/adapters/index';
import { API_CHAIN } from '../../src/audit/human-actions';
import { getRun } from '../../src/audit/runs';
import { applyInventory } from '../../src/inventory/apply';
import { loadInventoryFile } from '../../src/inventory/load';
import { registerRunbook } from '../../src/real-runs/registrations';
import { formatMs } from '../../src/reports/measures';
import { ARTIFACTS, signedIn } from '../support/browser';
import { useConsoleHarness } from '../support/console-harness';
import { compileRunbook } from '../support/runbooks';
import { waitFor } from '../support/wait-for';

const exec = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'console-auditor-'));
const h = useConsoleHarness('console-auditor');
let runId: string;
const tokens: Record<string, string> = {};

const runbook = (service: string, name: string) => `
apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team@bank.example]
services: [${service}]
objectives: { rto: 30s, rpo: 0s }
modes: [drill]
params:
  base: { type: string, required: true }
steps:
  - id: switch
    title: Switch traffic to site B
    kind: action
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/switch", body: { to: site-b } } }
    marks: [rto.start]
  - id: serving
    title: Site B serves
    kind: check
    needs: [switch]
    probe: { adapter: http, input: { url: "\${{ params.base }}/health" } }
    expect: output.json.ok == true
    marks: [rto.end]
`;

beforeAll(async () => {
  // The programme: two critical services, one drilled by the test's run, one never; a blackout window.
  writeFileSync(path.join(dir, 'ledger.yaml'), runbook('ledger', 'ledger-failover'));
  writeFileSync(path.join(dir, 'cards.yaml'), runbook('cards', 'cards-failover'));
  writeFileSync(
    path.join(dir, 'services.yaml'),
    `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: UTC
services:
${['ledger', 'cards'].map((s) => `  - name: ${s}
    owner: ${s}-team@bank.example
    criticality: critical
    sites: [site-a, site-b]
    objectives: { rto: 30s, rpo: 0s }
    runbooks:
      - file: ${s}.yaml
        params: { base: "${h.loopback.base}" }`).join('\n')}
blackouts:
  - name: year-end-closing
    start: "2030-12-30T00:00:00Z"
    end: "2031-01-02T00:00:00Z"
    reason: year-end closing
`,
  );
  const loaded = loadInventoryFile(path.join(dir, 'services.yaml'), adapterRegistry);
  if (!loaded.inventory) throw new Error(JSON.stringify(loaded.diagnostics));
  await applyInventory(h.db, loaded.inventory, 'test', new Date(Date.now() - 86_400_000));

  for (const [name, roles] of [['olga', ['operator']], ['audrey', ['auditor']], ['adam', ['admin']]] as const) tokens[name] = await h.api.tokenFor(name, [...roles]);
  runId = await h.start(tokens.olga, runbook('ledger', 'ledger-failover'));
  await waitFor(async () => (await getRun(h.db, runId))?.verdict === 'pass', 60_000);
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Opens a console page and waits for `testId` (the page's data has arrived). */
async function visit(page: Page, route: string, testId: string) {
  await page.goto(`${h.api.url}/console/#${route}`);
  await page.getByTestId(testId).first().waitFor({ timeout: 30_000 });
}

/** What on the page could change something: forms other than searches, and buttons other than signing out. */
async function changingControls(page: Page): Promise<string[]> {
  const forms = (await page.locator('form:not([role="search"])').allTextContents()).map((t) => `form: ${t.slice(0, 60)}`);
  const buttons = (await page.locator('button, input[type="submit"]').allTextContents()).filter((t) => t.trim() !== 'Sign out').map((t) => `button: ${t}`);
  const inputs = (await page.locator('input, textarea, select').count()) - (await page.locator('form[role="search"] select, form[role="search"] input').count());
  return [...forms, ...buttons, ...(inputs ? [`${inputs} input(s) outside a search`] : [])];
}

test('the auditor: coverage matrix, attainment chart, the dossier and its PDF; no form that changes anything; a forged POST refused', async () => {
  const { page, errors, context } = await signedIn(h.browser, h.api.url, tokens.audrey);
  const run = (await getRun(h.db, runId))!;
  const nav = await page.getByRole('navigation', { name: 'main' }).textContent();
  expect(nav).toEqual(expect.stringContaining('Coverage'));
  expect(nav).toEqual(expect.stringContaining('Admin'));

  // Coverage: the drilled service and the gap, from the report's figures.
  await visit(page, '/coverage', 'coverage-matrix');
  const ledger = page.getByRole('row', { name: /ledger/ });
  await expect(ledger.getByRole('cell').nth(1).textContent()).resolves.toBe('yes');
  await expect(page.getByRole('row', { name: /cards/ }).getByRole('cell').nth(1).textContent()).resolves.toBe('no');
  await expect(page.getByTestId('coverage-summary').textContent()).resolves.toMatch(/2 critical services: 1 drilled, 0 write-tested, 0 overdue\. Not drilled: cards\. Not write-tested: cards, ledger\./);
  await page.screenshot({ path: path.join(ARTIFACTS, 'coverage-matrix.png'), fullPage: true });
  expect(await changingControls(page)).toEqual([]);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  expect(csv.suggestedFilename()).toMatch(/^coverage-\d{4}-H[12]\.csv$/);
  await csv.saveAs(path.join(dir, 'coverage.csv'));
  expect(readFileSync(path.join(dir, 'coverage.csv'), 'utf8')).toMatch(/^period,service,.*\r\n.*,cards,critical,.*\r\n.*,ledger,critical,/s);

  // Attainment: an SVG drawn from the figures — one point for the run, under the dashed target line.
  await visit(page, '/attainment?service=ledger', 'attainment-chart');
  const chart = page.getByTestId('attainment-chart').first();
  await expect(chart.locator('circle.point-met').count()).resolves.toBe(1);
  await expect(chart.locator('[data-testid="target-line"]').count()).resolves.toBe(1);
  await expect(chart.locator('circle title').textContent()).resolves.toContain(runId);
  await page.screenshot({ path: path.join(ARTIFACTS, 'attainment-chart.png'), fullPage: true });
  expect(await changingControls(page)).toEqual([]);

  // The dossier page, reached from the run's page, and its PDF downloaded with the session.
  await visit(page, `/runs/${encodeURIComponent(runId)}`, 'verdict');
  await page.getByRole('link', { name: 'Dossier' }).click();
  await page.getByTestId('objectives').waitFor();
  await expect(page.getByTestId('rto-achieved').textContent()).resolves.toBe(rtoText(run.rtoMs));
  await expect(page.getByTestId('outcome').textContent()).resolves.toBe('pass');
  await expect(page.getByTestId('since-last-drill-outcome').textContent()).resolves.toBe('First drill of this runbook.');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dossier.png'), fullPage: true });
  expect(await changingControls(page)).toEqual([]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-pdf').click()]);
  expect(download.suggestedFilename()).toBe(`dossier-${runId}.pdf`);
  const pdf = path.join(dir, 'dossier.pdf');
  await download.saveAs(pdf);
  const { stdout } = await exec('pdftotext', ['-layout', pdf, '-']);
  const text = stdout.replace(/\s+/g, ' ');
  expect(text).toContain(runId);
  expect(text).toContain(formatMs(run.rtoMs));

  // Every other page of theirs, the runs list and the run's page too: read-only.
  for (const [route, testId] of [['/findings', 'findings-page'], ['/integrity', 'chains'], ['/programme', 'programme-services'], ['/history/ledger', 'history'], ['/admin', 'users']] as const) {
    await visit(page, route, testId);
    expect({ route, controls: await changingControls(page) }).toEqual({ route, controls: [] });
    if (route === '/programme') await expect(page.getByTestId('blackouts').textContent()).resolves.toContain('year-end-closing');
  }
  // The runs list has a filter form (a search): on it and on the run's page, pressing every button sends no change.
  const unsafe: string[] = [];
  page.on('request', (r) => void (['GET', 'HEAD'].includes(r.method()) || unsafe.push(`${r.method()} ${r.url()}`)));
  for (const [route, testId] of [['/runs', 'runs'], [`/runs/${encodeURIComponent(runId)}`, 'verdict'], ['/coverage', 'coverage-matrix'], ['/admin', 'users']] as const) {
    await visit(page, route, testId);
    for (const button of await page.locator('button').all()) {
      if ((await button.textContent())?.trim() !== 'Sign out' && (await button.isVisible())) await button.click();
    }
    await page.waitForTimeout(300);
    expect({ route, unsafe }).toEqual({ route, unsafe: [] });
  }
  await visit(page, '/admin', 'users');
  // The last of them, Admin, says it is an access review, read only.
  await expect(page.getByTestId('read-only').textContent()).resolves.toMatch(/Read only/);

  // On a tablet the pages fit the width: wide tables scroll inside themselves, the page does not.
  await page.setViewportSize({ width: 768, height: 1024 });
  for (const [route, testId] of [['/coverage', 'coverage-matrix'], ['/attainment?service=ledger', 'attainment-chart'], [`/runs/${encodeURIComponent(runId)}/dossier`, 'objectives'], ['/programme', 'programme-services'], ['/admin', 'users']] as const) {
    await visit(page, route, testId);
    const [scrollWidth, width] = await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]') as [number, number];
    expect({ route, overflows: scrollWidth > width }).toEqual({ route, overflows: false });
  }
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-tablet-auditor.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // No console error and no CSP violation on any of these pages.
  expect(errors).toEqual([]);

  // A POST the auditor forges with their own session and CSRF token: refused by role, and recorded.
  const status = await page.evaluate(async (id) => {
    const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
    const headers = { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken };
    const abort = await fetch(`/api/runs/${encodeURIComponent(id)}/abort`, { method: 'POST', headers, body: JSON.stringify({ reason: 'forged' }) });
    const user = await fetch('/api/users', { method: 'POST', headers, body: JSON.stringify({ name: 'mallory', roles: ['admin'] }) });
    return [abort.status, user.status];
  }, runId);
  expect(status).toEqual([403, 403]);
  // The refused abort is on the run's own chain, the refused user change on the api chain.
  const refused = await h.db.selectFrom('audit_events').select(['chain_id', 'data']).where('type', '=', 'action.refused').where('actor', '=', 'audrey').execute();
  expect(refused.map((r) => [r.chain_id, (r.data as { action: string }).action]).sort()).toEqual([[API_CHAIN, 'manageUsers'], [runId, 'abort']].sort());

  // The ledger runbook registered in another version after its passing drill: the matrix says so.
  const changed = compileRunbook(runbook('ledger', 'ledger-failover').replace('version: "1"', 'version: "2"'));
  await registerRunbook(h.db, { plan: changed.plan, planHash: changed.planHash, reason: 'reviewed change', actor: 'adam', requestId: 'console-auditor-ledger-v2' });
  await visit(page, '/coverage', 'coverage-matrix');
  const badge = page.getByRole('row', { name: /ledger/ }).getByTestId('changed-since-last-pass');
  await expect(badge.textContent()).resolves.toBe('changed since last pass');
  await expect(badge.getAttribute('title')).resolves.toMatch(/^ledger-failover: passed as 1 \([0-9a-f]{12}\) in .*; now 2 \([0-9a-f]{12}\), registered /);
  await expect(page.getByTestId('coverage-summary').textContent()).resolves.toMatch(/Runbook changed since its last passing drill: ledger\./);
  await context.close();
}, 180_000);

/** The RTO as the console shows it (parts/chart-geometry.ts showMs). */
function rtoText(ms: number | null): string {
  if (ms === null) return 'not measured';
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s` : `${ms} ms`;
}

test('the admin issues a token on the Admin page: shown once, it works; then only its prefix, and revoked it stops working', async () => {
  const { page, errors, context } = await signedIn(h.browser, h.api.url, tokens.adam);
  await visit(page, '/admin?user=olga', 'token-form');
  // A user created with the form: the outcome on the page, the user in the list; then disabled.
  const form = page.getByTestId('user-form');
  await form.getByLabel('Name').fill('zoe');
  await form.getByLabel('operator').uncheck();
  await form.getByLabel('approver').check();
  await form.getByRole('button', { name: 'Save user' }).click();
  await form.getByText('zoe now has approver').waitFor();
  const zoe = page.getByTestId('users').getByRole('row', { name: /zoe/ });
  await zoe.getByRole('button', { name: 'Disable' }).click();
  await page.getByText('zoe disabled: their tokens stop working').waitFor();
  await page.getByTestId('users').getByRole('row', { name: /zoe.*disabled/ }).waitFor();

  await page.getByTestId('token-form').getByLabel('Label').fill('laptop');
  await page.getByRole('button', { name: 'Issue a token' }).click();
  const token = (await page.getByTestId('issued-token').textContent())!;
  expect(token.length).toBeGreaterThan(20);
  const me = (bearer: string) => fetch(`${h.api.url}/api/me`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
  expect(await me(token)).toBe(200);
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-token-issued.png'), fullPage: true });

  // Reloaded, the page has only the prefix.
  await page.reload();
  await page.getByTestId('tokens').getByRole('cell', { name: /laptop/ }).waitFor();
  expect(await page.content()).not.toContain(token);
  const row = page.getByTestId('tokens').getByRole('row', { name: /laptop/ });
  await row.getByRole('button', { name: /^Revoke/ }).click();
  await page.getByText(/token\(s\) of olga revoked/).waitFor();
  expect(await me(token)).toBe(401);
  await page.getByTestId('tokens').getByRole('row', { name: /laptop.*revoked/ }).waitFor();
  expect(errors).toEqual([]);
  // A bad name: the API's refusal with its field, on the form.
  await form.getByLabel('Name').fill('Not A Name');
  await form.getByRole('button', { name: 'Save user' }).click();
  await form.getByText('field: name').waitFor();
  await context.close();
}, 120_000);
