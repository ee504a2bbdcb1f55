/// <reference lib="dom" />
/**
 * Issue 16, done when: an operator signs in, sees a run paused on a failed step, reads why, chooses
 * retry, and the run completes; the page showed each change within 1 s; the trail records the
 * browser's action with the operator's identity. And after the stream is cut, the page shows the
 * truth again when it comes back. Real Chromium, real serve, worker, Temporal and PostgreSQL.
 */
import path from 'node:path';
import { ARTIFACTS, signedIn } from '../support/browser';
import { issueToken, revokeTokens, upsertUser } from '../../src/auth/users';
import { drillRunbook, useConsoleHarness } from '../support/console-harness';
import { waitFor } from '../support/wait-for';

const h = useConsoleHarness('console-operator');

const RUNBOOK = drillRunbook('console-retry', `
steps:
  - id: warm-up
    title: Give the operator time to look
    kind: wait
    duration: 3s
  - id: switch
    title: Switch traffic to site B
    kind: action
    needs: [warm-up]
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/switch" } }
    retry: { attempts: 1 }
    marks: [rto.start]
  - id: verify
    title: Site B serves traffic
    kind: action
    needs: [switch]
    action: { adapter: noop, input: {} }
    marks: [rto.end]
`, { rto: '30s' });

/** Milliseconds between when something happened (the trail's time) and when the page showed it (seen by the test, later still). */
const lag = (seenAt: number, happenedAt: Date) => seenAt - happenedAt.getTime();

test('an operator sees a run paused on a failed step, reads why, retries, and watches it complete: each change on the page within 1 s; the trail has the operator', async () => {
  const starter = await h.api.tokenFor('ivan', ['operator']);
  const token = await h.api.tokenFor('olga', ['operator']);
  const { page, context, errors } = await signedIn(h.browser, h.api.url, token);
  try {
    h.loopback.failuresLeft.set('/switch', 1);
    const runId = await h.start(starter, RUNBOOK);

    // The list, live: the run appears, then moves to the top marked as waiting for a person when it pauses.
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator(`tr.needs-human[data-run="${runId}"]`).waitFor({ timeout: 20_000 });
    const pausedSeen = Date.now();
    const [paused] = await h.events(runId, 'run.paused');
    expect(paused).toBeDefined();
    expect(lag(pausedSeen, paused.at)).toBeLessThan(1000);
    expect(await page.locator('tbody tr').first().getAttribute('data-run')).toBe(runId);
    await expect(row.locator('td').nth(3).textContent()).resolves.toMatch(/decision on switch/);

    // The run page: why it paused, and the decision's form (olga is an operator).
    await row.getByRole('link').click();
    const why = page.getByTestId('why');
    await why.waitFor();
    expect(await why.textContent()).toMatch(/500/);
    await page.locator('g[data-step="switch"][data-state="failed"]').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-paused.png'), fullPage: true });

    await page.getByRole('button', { name: 'Retry the step' }).click();
    await page.getByText('Retry sent: switch runs again.').waitFor();
    await page.locator('[data-testid="run"][data-state="completed"]').waitFor({ timeout: 20_000 });
    const completedSeen = Date.now();
    await page.locator('g[data-step="verify"][data-state="completed"]').waitFor();
    await page.getByTestId('verdict').waitFor();
    const run = await h.db.selectFrom('runs').select(['status', 'ended_at', 'verdict']).where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(run.status).toBe('completed');
    expect(lag(completedSeen, run.ended_at!)).toBeLessThan(1000);
    // Measured RTO shown against the target.
    expect(await page.getByTestId('rto').getAttribute('data-state')).toBe('measured');
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-page.png'), fullPage: true });

    // The trail: the browser's decision, requested by olga through her console session, and applied as hers.
    const session = (await (await context.request.get(`${h.api.url}/api/session`)).json()) as { session: string };
    const requested = (await h.events(runId, 'action.requested')).filter((e) => e.data.action === 'decide');
    expect(requested).toEqual([expect.objectContaining({ actor: 'olga', data: expect.objectContaining({ via: 'console', session: session.session, request: { decision: 'retry' } }) })]);
    const applied = await h.events(runId, 'decision.applied');
    expect(applied.map((e) => e.actor)).toEqual(['olga']);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('after the stream is cut, the page shows the truth again when it comes back, not its stale copy', async () => {
  const token = await h.api.tokenFor('olga', ['operator']);
  const { page, context, errors } = await signedIn(h.browser, h.api.url, token);
  try {
    h.loopback.failuresLeft.set('/switch', 1);
    const runId = await h.start(token, RUNBOOK);
    await page.goto(`${h.api.url}/console/#/runs/${runId}`);
    await page.getByTestId('why').waitFor({ timeout: 20_000 });
    // Cut: the server drops every connection, and the browser's attempts to reconnect fail for now.
    await page.route('**/stream', (route) => route.abort());
    h.api.app.server.closeAllConnections();
    await page.locator('[data-testid="live"][data-live="false"]').waitFor({ timeout: 10_000 });
    // Meanwhile the run goes on (decided through the API) and ends.
    const decided = await fetch(`${h.api.url}/api/runs/${runId}/steps/switch/decide`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'retry' }) });
    expect(decided.status).toBe(200);
    await waitFor(async () => (await h.db.selectFrom('runs').select('status').where('run_id', '=', runId).executeTakeFirstOrThrow()).status === 'completed');
    expect(await page.locator('[data-testid="run"]').getAttribute('data-state')).toBe('paused');
    await page.unroute('**/stream');
    await page.locator('[data-testid="run"][data-state="completed"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="live"][data-live="true"]').waitFor();
    expect(await page.locator('[data-kind="decision"]').count()).toBe(0);
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  } finally {
    await context.close();
  }
});

test('an operator starts a drill from a runbook file, with a form built from its parameters, and lands on its page', async () => {
  const token = await h.api.tokenFor('olga', ['operator']);
  const { page, context, errors } = await signedIn(h.browser, h.api.url, token);
  try {
    await page.getByRole('link', { name: 'Start a drill' }).click();
    const yaml = drillRunbook('console-start', `
  batches: { type: number, default: 3 }
steps:
  - id: ping
    title: Site B answers
    kind: action
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
`, { version: '2.1.0', rto: '1m', modes: 'drill, failover', params: ", description: Site B's API" });
    await page.getByLabel('Runbook file (YAML)').setInputFiles({ name: 'console-start.yaml', mimeType: 'text/yaml', buffer: Buffer.from(yaml) });
    await page.getByRole('heading', { name: /console-start/ }).waitFor();
    // Not registered: only a drill may start; the params are the runbook's.
    expect(await page.locator('#mode option').allTextContents()).toEqual(['drill']);
    expect(await page.getByLabel('batches').inputValue()).toBe('3');
    await page.getByLabel('base (required)').fill(h.loopback.base);
    await page.getByLabel('Reason (recorded in the trail)').fill('H2 drill from the console');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('[data-testid="run"][data-state="completed"]').waitFor({ timeout: 20_000 });
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
    const run = await h.db.selectFrom('runs').select(['initiator', 'reason', 'params', 'runbook_version']).where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(run).toEqual({ initiator: 'olga', reason: 'H2 drill from the console', params: { base: h.loopback.base, batches: 3 }, runbook_version: '2.1.0' });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('forms show only what each person may do; a refusal shows its field on the page; an admin terminates from the console', async () => {
  const starter = await h.api.tokenFor('ivan', ['operator']);
  h.loopback.failuresLeft.set('/switch', 1);
  const runId = await h.start(starter, RUNBOOK);
  const olga = await signedIn(h.browser, h.api.url, await h.api.tokenFor('olga', ['operator']));
  const audrey = await signedIn(h.browser, h.api.url, await h.api.tokenFor('audrey', ['auditor']));
  const adam = await signedIn(h.browser, h.api.url, await h.api.tokenFor('adam', ['admin']));
  try {
    for (const who of [olga, audrey, adam]) {
      await who.page.goto(`${h.api.url}/console/#/runs/${runId}`);
      await who.page.getByTestId('why').waitFor({ timeout: 20_000 });
    }
    // The auditor reads why, and finds no form at all; the admin may terminate, not decide.
    expect(await audrey.page.locator('main form, main button').count()).toBe(0);
    expect(await audrey.page.getByText('You cannot decide: it needs the role "operator".').count()).toBe(1);
    expect(await adam.page.getByRole('button', { name: 'Retry the step' }).count()).toBe(0);

    // Skip without a reason: the server's refusal, with its field, where the operator clicked.
    await olga.page.getByRole('button', { name: 'Skip the step' }).click();
    const problem = olga.page.locator('[data-testid="what-now"] .problem');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/reason: skip needs a reason/);
    expect(await problem.locator('.problem-field').textContent()).toBe('field: reason');

    // The admin's emergency stop.
    await adam.page.getByText('Stop the run').click();
    await adam.page.getByLabel('Reason for terminating (admin; recorded)').fill('lab on fire');
    await adam.page.getByRole('button', { name: 'Terminate (no compensation)' }).click();
    await adam.page.getByText('Terminated: the run stopped without compensation.').waitFor();
    for (const who of [olga, audrey, adam]) await who.page.locator('[data-testid="run"][data-state="terminated"]').waitFor({ timeout: 10_000 });
    const [terminated] = await h.events(runId, 'run.terminated');
    expect(terminated.actor).toBe('adam');
  } finally {
    for (const who of [olga, audrey, adam]) await who.context.close();
  }
});

test('a violated guard: the page says which and why, the operator ignores it with a reason (by keyboard), the run goes on', async () => {
  const token = await h.api.tokenFor('olga', ['operator']);
  const { page, context, errors } = await signedIn(h.browser, h.api.url, token);
  h.loopback.failuresLeft.set('/health', 1_000_000);
  try {
    const runId = await h.start(token, drillRunbook('console-guard', `
guards:
  - id: primary-healthy
    title: The primary keeps answering
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.ok == true
    every: 200ms
steps:
  - id: hold
    title: Hold for a moment
    kind: wait
    duration: 2s
  - id: after
    title: Carry on
    kind: action
    needs: [hold]
    action: { adapter: noop, input: {} }
`));
    await page.goto(`${h.api.url}/console/#/runs/${runId}`);
    await page.locator('li[data-wait="guard:primary-healthy"][data-kind="decision"]').waitFor({ timeout: 20_000 });
    await page.locator('li[data-guard="primary-healthy"] [data-state="violated"]').waitFor();
    expect(await page.getByTestId('why').textContent()).toMatch(/\S/);
    // By keyboard only: type the reason, Tab past "Watch it again" to "Ignore it for this run", Enter.
    await page.getByLabel(/^Reason \(required to ignore/).focus();
    await page.keyboard.type('the primary is fenced on purpose in this drill');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Ignore it for this run');
    await page.keyboard.press('Enter');
    await page.getByText('Sent: guard:primary-healthy is ignored for the rest of the run.').waitFor();
    await page.locator('li[data-guard="primary-healthy"] [data-state="ignored"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="run"][data-state="completed"]').waitFor({ timeout: 20_000 });
    const applied = await h.events(runId, 'decision.applied');
    expect(applied).toEqual([expect.objectContaining({ actor: 'olga', data: expect.objectContaining({ decision: 'skip' }) })]);
    expect(errors).toEqual([]);
  } finally {
    h.loopback.failuresLeft.set('/health', 0);
    await context.close();
  }
});

test('a session that ends elsewhere (its token revoked) takes the open page back to the sign-in form, saying so', async () => {
  await upsertUser(h.db, { name: 'otto', roles: ['operator'] });
  const issued = await issueToken(h.db, 'otto', { label: 'revoked-while-open' });
  const { page, context } = await signedIn(h.browser, h.api.url, issued.token);
  try {
    await page.locator('[data-testid="live"][data-live="true"]').waitFor();
    await revokeTokens(h.db, 'otto', issued.prefix);
    // The stream checks its caller every 5 s: then the page drops what it showed and asks for a sign-in.
    await page.getByLabel('API token').waitFor({ timeout: 10_000 });
    expect(await page.getByText('You are signed out (signed out, or the session expired).').count()).toBe(1);
    expect(await page.getByTestId('who').count()).toBe(0);
  } finally {
    await context.close();
  }
});
