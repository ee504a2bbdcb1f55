/**
 * The console's Readiness and campaign pages (playwright-core driving Debian's Chromium against the
 * real API and console, a real worker, the test Temporal dev server and PostgreSQL): a runbook whose
 * pre-check last failed is listed on top, in red, with the failing check and its output as text; the
 * auditor sees no "check now" button, the operator does. A start the API refuses as not ready is sent
 * again from the start page with an override reason: it lands on the run's page and the override is
 * in the trail under the operator's name. A campaign of noop runbooks, opened from its row of the runs
 * list, shows its phases in order with their runs, and its dossier downloads as HTML. No console error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { READINESS_CHAIN, recordEvaluation } from '../../src/readiness/record';
import { ARTIFACTS, signedIn } from '../support/browser';
import { drillRunbook, useConsoleHarness } from '../support/console-harness';

const dir = mkdtempSync(path.join(os.tmpdir(), 'console-readiness-'));
const h = useConsoleHarness('console-readiness');
const tokens: Record<string, string> = {};
const tag = Math.random().toString(16).slice(2, 8);
const red = `red-rb-${tag}`;
const green = `green-rb-${tag}`;
/** The failing pre-check's output: markup the page must show as text. */
const OUTPUT = '<b id="injected">DR site down</b> HTTP 503';

const noop = (id: string, extra = '', output = '{}') => `  - { id: ${id}, title: ${id}, kind: action, action: { adapter: noop, input: { output: ${output} } }${extra} }\n`;
const phaseRunbook = (name: string, steps: string) => `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 30s, rpo: 0s }
modes: [drill]
steps:
${steps}`;

beforeAll(async () => {
  for (const [name, roles] of [['olga', ['operator']], ['audrey', ['auditor']]] as const) tokens[name] = await h.api.tokenFor(`${name}-${tag}`, [...roles]);
  const at = new Date(Date.now() - 60_000);
  // Two evaluations as the readiness workflow records them: one ready (its service sorts first), one not.
  await recordEvaluation(h.db, { service: 'accounts', runbook: green, planHash: 'a'.repeat(64), evaluatedAt: at, evaluationId: `green-${tag}`, actor: 'readiness', result: { state: 'ready' } });
  await recordEvaluation(h.db, { service: 'payments', runbook: red, planHash: 'b'.repeat(64), evaluatedAt: at, evaluationId: `red-${tag}`, actor: 'readiness', result: { state: 'not-ready', failing: { check: 'dr-healthy', output: OUTPUT } } });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function visit(page: Page, route: string, testId: string) {
  await page.goto(`${h.api.url}/console/#${route}`);
  await page.getByTestId(testId).first().waitFor({ timeout: 30_000 });
}

test('Readiness: the runbook not ready on top, in red, with why as text; the auditor has no "check now", the operator has', async () => {
  const { page, errors, context } = await signedIn(h.browser, h.api.url, tokens.audrey);
  await expect(page.getByRole('navigation', { name: 'main' }).textContent()).resolves.toContain('Readiness');
  await visit(page, '/readiness', 'readiness');
  const rows = page.getByTestId('readiness').locator('tbody tr');
  await expect(rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-runbook'), tr.getAttribute('data-state'), tr.className]))).resolves.toEqual([
    [red, 'not-ready', 'not-ready'],
    [green, 'ready', ''],
  ]);
  const top = rows.first();
  await expect(top.locator('.state').textContent()).resolves.toBe('not ready');
  // Red: the state in the theme's "bad" colour, the row on the red background.
  const [colour, background] = await top.evaluate((tr) => [getComputedStyle(tr.querySelector('.state')!).color, getComputedStyle(tr.querySelector('td')!).backgroundColor]);
  expect(colour).toBe('rgb(255, 107, 107)');
  expect(background).toBe('rgb(42, 18, 20)');
  await expect(top.getByTestId('why').textContent()).resolves.toBe(`pre-check dr-healthy failed:${OUTPUT}`);
  await expect(page.locator('#injected').count()).resolves.toBe(0);
  await expect(page.getByTestId('check-now').count()).resolves.toBe(0);
  await expect(page.getByRole('button', { name: /check now/i }).count()).resolves.toBe(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'readiness-auditor.png'), fullPage: true });
  expect(errors).toEqual([]);
  await context.close();

  const olga = await signedIn(h.browser, h.api.url, tokens.olga);
  await visit(olga.page, '/readiness', 'readiness');
  await expect(olga.page.getByRole('button', { name: 'Check now' }).isVisible()).resolves.toBe(true);
  expect(olga.errors).toEqual([]);
  await olga.context.close();
}, 60_000);

test('a start refused as not ready, sent again with an override reason, lands on the run page; the override is in the trail', async () => {
  const { page, errors, context } = await signedIn(h.browser, h.api.url, tokens.olga);
  await visit(page, '/start', 'who');
  const yaml = drillRunbook(red, `
steps:
  - id: one
    title: nothing
    kind: action
    action: { adapter: noop }
`);
  await page.getByLabel('Runbook file (YAML)').setInputFiles({ name: `${red}.yaml`, mimeType: 'text/yaml', buffer: Buffer.from(yaml) });
  await page.getByRole('heading', { name: new RegExp(red) }).waitFor();
  await page.getByLabel('base (required)').fill(h.loopback.base);
  await page.getByLabel('Reason (recorded in the trail)').fill('drill despite the red');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor();
  await expect(refusal.textContent()).resolves.toMatch(new RegExp(`not now.*runbook "${red}" \\(service payments\\) is not ready.*dr-healthy`));
  await expect(page.getByTestId('override-readiness').isVisible()).resolves.toBe(true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'start-not-ready.png'), fullPage: true });

  await page.getByLabel('Override with a reason').fill('DR probe is known-flaky, ticket OPS-42');
  await page.getByRole('button', { name: 'Start anyway' }).click();
  await page.waitForURL(/#\/runs\/drill-/);
  const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
  await page.getByTestId('run').waitFor();
  const overrides = await h.db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', READINESS_CHAIN).where('type', '=', 'readiness.overridden').execute();
  expect(overrides).toEqual([{ actor: `olga-${tag}`, data: expect.objectContaining({ runbook: red, service: 'payments', reason: 'DR probe is known-flaky, ticket OPS-42', why: { check: 'dr-healthy', output: OUTPUT } }) }]);
  // The start's own record keeps the override's reason too.
  const acts = await h.db.selectFrom('audit_events').select(['type', 'data']).where('actor', '=', `olga-${tag}`).where('type', 'in', ['action.requested', 'action.refused']).orderBy('seq').execute();
  const starts = acts.filter((a) => (a.data as { action?: string }).action === 'start');
  // The first attempt refused as not ready, recorded; the second one requested with the override's reason.
  expect(starts.some((a) => a.type === 'action.refused' && (a.data as { code?: string }).code === 'runbook_not_ready')).toBe(true);
  expect(starts.some((a) => a.type === 'action.requested' && JSON.stringify(a.data).includes('OPS-42'))).toBe(true);
  await expect(h.events(runId, 'run.started')).resolves.toHaveLength(1);
  // The browser logs the refused start (409) as a failed load; nothing else.
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  await context.close();
}, 90_000);

test('a campaign: opened from the runs list, its phases in order with their runs; the dossier downloads as HTML', async () => {
  const started = await fetch(`${h.api.url}/api/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.olga}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      campaign: `apiVersion: drillbook/v1\nkind: Campaign\nname: console-campaign\nversion: "1"\nphases:\n  - { id: failover, runbook: switch.yaml }\n  - { id: verify-capacity, runbook: capacity.yaml, figures: [capacity-dr] }\n  - { id: restore, runbook: switch.yaml }\n`,
      runbooks: {
        'switch.yaml': phaseRunbook('console-switch', noop('fence', ', marks: [rto.start]') + noop('switch', ', needs: [fence], marks: [rto.end]')),
        'capacity.yaml': phaseRunbook('console-capacity', noop('capacity-dr', '', '{ json: { maxConnections: 10 } }')),
      },
      reason: 'console campaign test',
    }),
  });
  const body = (await started.json()) as { campaignId: string };
  expect(started.status).toBe(201);
  const { campaignId } = body;

  const { page, errors, context } = await signedIn(h.browser, h.api.url, tokens.audrey);
  await visit(page, '/runs', 'runs');
  const link = page.locator(`tr[data-run="${campaignId}"]`).getByTestId('campaign-link');
  await link.waitFor({ timeout: 30_000 });
  await link.click();
  await page.getByTestId('phases').waitFor();
  // Read again while it runs, until its verdict.
  await page.getByTestId('campaign-verdict').waitFor({ timeout: 60_000 });
  await expect(page.getByTestId('campaign-verdict').textContent()).resolves.toBe('verdict pass');
  const phases = page.getByTestId('phases').locator('tbody tr');
  await expect(phases.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-phase'), tr.getAttribute('data-state')]))).resolves.toEqual([
    ['failover', 'completed'],
    ['verify-capacity', 'completed'],
    ['restore', 'completed'],
  ]);
  await expect(phases.getByTestId('phase-run').allTextContents()).resolves.toEqual(['failover', 'verify-capacity', 'restore'].map((p) => `${campaignId}.${p}`));
  await expect(phases.nth(1).textContent()).resolves.toContain('maxConnections');
  await expect(phases.first().textContent()).resolves.toMatch(/of 30\.0 s \(met\)/);
  await expect(page.getByTestId('download-csv').count()).resolves.toBe(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'campaign.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-html').click()]);
  const file = path.join(dir, 'campaign.html');
  await download.saveAs(file);
  expect(download.suggestedFilename()).toMatch(/\.html$/);
  expect(readFileSync(file, 'utf8')).toContain(`<h1>Campaign dossier: ${campaignId}</h1>`);

  // A phase's run opens the run's page; its row in the runs list links back to the campaign.
  await phases.first().getByTestId('phase-run').click();
  await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
  await visit(page, '/runs', 'runs');
  await page.locator(`tr[data-run="${campaignId}.restore"]`).getByRole('link', { name: 'its campaign' }).click();
  await page.getByTestId('phases').waitFor();
  expect(page.url()).toContain(`#/campaigns/${encodeURIComponent(campaignId)}`);
  expect(errors).toEqual([]);
  await context.close();
}, 120_000);
