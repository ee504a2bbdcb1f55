/// <reference lib="dom" />
/**
 * Issue 16, done when: four-eyes in separate browser contexts. The run's initiator — who holds the
 * approver role — sees no approve button, and a forged POST with her session (and even her valid CSRF
 * token) is refused and recorded; two distinct approvers approve from their own browsers, each seeing
 * the other's approval live, and the run goes on to complete.
 */
import path from 'node:path';
import { ARTIFACTS, signedIn } from '../support/browser';
import { drillRunbook, useConsoleHarness } from '../support/console-harness';

const h = useConsoleHarness('console-four-eyes');

const RUNBOOK = drillRunbook('console-four-eyes', `
steps:
  - id: go-ahead
    title: Two approvers let the failover go ahead
    kind: approval
    role: approver
    approvers: 2
    instructions: Check the **change ticket** before approving.
  - id: switch
    title: Switch traffic to site B
    kind: action
    needs: [go-ahead]
    action: { adapter: noop, input: {} }
`);

test('the initiator sees no approve button and a forged approval with her session and CSRF token is refused; two distinct approvers approve and the run completes', async () => {
  const initiatorToken = await h.api.tokenFor('ines', ['operator', 'approver']);
  const runId = await h.start(initiatorToken, RUNBOOK);
  const ines = await signedIn(h.browser, h.api.url, initiatorToken);
  const bert = await signedIn(h.browser, h.api.url, await h.api.tokenFor('bert', ['approver']));
  const cleo = await signedIn(h.browser, h.api.url, await h.api.tokenFor('cleo', ['approver']));
  try {
    for (const who of [ines, bert, cleo]) await who.page.goto(`${h.api.url}/console/#/runs/${runId}`);
    const wait = (p: typeof ines) => p.page.locator('li[data-wait="go-ahead"][data-kind="approval"]');
    for (const who of [ines, bert, cleo]) await wait(who).waitFor({ timeout: 20_000 });

    // The list's filters: it waits for a person, started by ines.
    const list = async (query: string) =>
      ((await (await fetch(`${h.api.url}/api/runs?${query}`, { headers: { authorization: `Bearer ${initiatorToken}` } })).json()) as { runs: { runId: string; needsHuman: boolean }[] }).runs.map((r) => r.runId);
    expect(await list('initiator=ines&state=needs-human&service=payments&mode=drill')).toContain(runId);
    expect(await list('initiator=bert')).not.toContain(runId);
    expect(await list('state=completed')).not.toContain(runId);

    // The initiator: told why, no button, no form.
    await ines.page.getByTestId('no-approve').waitFor();
    expect(await ines.page.getByTestId('no-approve').textContent()).toMatch(/you started this run.*four-eyes/);
    expect(await ines.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await ines.page.locator('form[aria-label="approve go-ahead"]').count()).toBe(0);

    // A forged POST from her own page, with her session cookie and her valid CSRF token: refused by the server.
    const forged = await ines.page.evaluate(async (id) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const response = await fetch(`/api/runs/${id}/steps/go-ahead/approve`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{}' });
      return { status: response.status, body: (await response.json()) as { message: string; requestId: string } };
    }, runId);
    expect(forged.status).toBe(403);
    expect(forged.body.message).toMatch(/four-eyes/);
    const refused = (await h.events(runId, 'action.refused')).find((e) => e.data.requestId === forged.body.requestId);
    expect(refused).toEqual(expect.objectContaining({ actor: 'ines', data: expect.objectContaining({ action: 'approve', status: 403, via: 'console' }) }));

    // Two distinct approvers, each from their own browser.
    await bert.page.getByRole('button', { name: 'Approve' }).click();
    await bert.page.getByText('Approved: Two approvers let the failover go ahead.').waitFor();
    // Live in the other browser, without a reload (the 1 s bound is measured in console-operator.test.ts).
    await cleo.page.getByText('Approved so far by bert.').waitFor({ timeout: 5_000 });
    // bert may not approve twice: his button is gone, and he is told why.
    await bert.page.getByTestId('no-approve').waitFor();
    expect(await bert.page.getByTestId('no-approve').textContent()).toMatch(/approved already/);
    await cleo.page.screenshot({ path: path.join(ARTIFACTS, 'run-approval.png'), fullPage: true });
    // At tablet width the page still fits: one column, nothing wider than the screen.
    await cleo.page.setViewportSize({ width: 820, height: 1180 });
    expect(await cleo.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);
    await cleo.page.screenshot({ path: path.join(ARTIFACTS, 'run-approval-tablet.png'), fullPage: true });
    await cleo.page.setViewportSize({ width: 1280, height: 800 });

    await cleo.page.getByRole('button', { name: 'Approve' }).click();
    for (const who of [ines, bert, cleo]) await who.page.locator('[data-testid="run"][data-state="completed"]').waitFor({ timeout: 20_000 });
    const granted = await h.events(runId, 'approval.granted');
    expect(granted.map((e) => e.actor).sort()).toEqual(['bert', 'cleo']);
    expect((await h.events(runId, 'action.requested')).filter((e) => e.data.action === 'approve').map((e) => [e.actor, e.data.via])).toEqual([['bert', 'console'], ['cleo', 'console']]);
    for (const who of [ines, bert, cleo]) expect(who.errors.filter((e) => !/403/.test(e))).toEqual([]);
  } finally {
    for (const who of [ines, bert, cleo]) await who.context.close();
  }
});
