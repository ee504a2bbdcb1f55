/// <reference lib="dom" />
/**
 * Issue 16, done when: a runbook whose titles, instructions and evidence carry `<script>`,
 * `javascript:` links and HTML renders them inert (text, or a link that is not made); a form POST from
 * another origin — another site, or a sibling port of the same host whose requests carry the
 * SameSite=Strict cookie — is refused and changes nothing (the API reads JSON only, so a form's body is
 * refused before the CSRF gate, which refuses any cookie change without the token: the same-origin
 * case below, and test/integration/api/console-session.test.ts); the CSP header is set
 * and the browser reports no violation of it by the console itself.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ARTIFACTS, signedIn } from '../support/browser';
import { drillRunbook, useConsoleHarness } from '../support/console-harness';

const h = useConsoleHarness('console-hostile');
let attacker: http.Server;
let attackerPort: number;
/** The attacker's page: a form that posts itself to `action` (the query), with a JSON-looking text/plain body when asked. */
const attackerPage = (action: string, plain: boolean) => `<!doctype html><html><body>
<form id="f" method="POST" action="${action}" ${plain ? 'enctype="text/plain"' : ''}>${plain ? `<input name='{"reason":"csrf","x":"' value='"}'>` : ''}</form>
<script>document.getElementById('f').submit()</script></body></html>`;

beforeAll(async () => {
  attacker = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage(url.searchParams.get('action') ?? '', url.searchParams.get('plain') === '1'));
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerPort = (attacker.address() as AddressInfo).port;
});

afterAll(() => {
  attacker?.close();
});

const HOSTILE = (name: string) => drillRunbook(name, `
steps:
  - id: fence
    title: "<script>window.__xss='title'</script><img src=x onerror=\\"window.__xss='img'\\"> Fence <b>site A</b>"
    kind: manual
    instructions: |
      Fence site A. <script>window.__xss='instructions'</script>
      <img src=x onerror="window.__xss='instructions-img'"> <a href="javascript:window.__xss='raw-link'">raw link</a>

      [click me](javascript:window.__xss='md-link') and [also](JaVaScRiPt:window.__xss='md-link-2') and [data](data:text/html,<script>alert(1)</script>)

      The [fencing procedure](https://runbooks.bank.example/fence) is the reference.
    evidenceFields:
      - name: ticket
        description: "<i>the</i> change <script>window.__xss='description'</script>"
        required: true
  - id: gate
    title: Approve <u>now</u>
    kind: approval
    role: approver
    needs: [fence]
`);

test('titles, instructions and evidence with <script>, javascript: links and HTML render inert', async () => {
  const token = await h.api.tokenFor('olga', ['operator']);
  const runId = await h.start(token, HOSTILE('console-hostile'));
  const { page, context, errors } = await signedIn(h.browser, h.api.url, token);
  try {
    await page.goto(`${h.api.url}/console/#/runs/${runId}`);
    await page.locator('li[data-wait="fence"]').waitFor({ timeout: 20_000 });
    const wait = page.locator('li[data-wait="fence"]');
    // The title is text: its markup shows as written.
    expect(await wait.textContent()).toContain("<script>window.__xss='title'</script>");
    expect(await page.locator('[data-testid="steps"]').textContent()).toContain('Fence <b>site A</b>');
    // The instructions: Markdown rendered, raw HTML as text, javascript:/data: links not made.
    const instructions = wait.locator('.instructions');
    expect(await instructions.textContent()).toContain("<script>window.__xss='instructions'</script>");
    expect(await instructions.locator('a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href))).toEqual(['https://runbooks.bank.example/fence']);
    expect(await page.getByLabel('ticket (required)').count()).toBe(1);

    // Evidence typed by the operator, hostile too; shown back as text.
    await page.getByLabel('ticket (required)').fill(`<img src=x onerror="window.__xss='evidence'">javascript:window.__xss='evidence-link'`);
    await page.getByLabel('Note').first().fill('<script>window.__xss="note"</script>');
    await page.getByRole('button', { name: 'Confirm the step' }).click();
    await page.locator('li[data-wait="gate"]').waitFor({ timeout: 20_000 });
    const evidence = page.getByTestId('evidence');
    await evidence.waitFor();
    expect(await evidence.textContent()).toContain(`<img src=x onerror="window.__xss='evidence'">`);
    expect(await evidence.textContent()).toContain('<script>window.__xss="note"</script>');
    await page.screenshot({ path: path.join(ARTIFACTS, 'run-hostile.png'), fullPage: true });

    // Nothing ran, nothing became markup.
    const inert = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: string }).__xss ?? null,
      scripts: document.querySelectorAll('#app script').length,
      images: document.querySelectorAll('#app img').length,
      bold: document.querySelectorAll('#app b, #app u, #app i').length,
      handlers: document.querySelectorAll('#app [onerror], #app [onclick]').length,
      jsLinks: Array.from(document.querySelectorAll('a')).filter((a) => !/^(https?:|#|$)/.test(a.getAttribute('href') ?? '') && !(a.getAttribute('href') ?? '').startsWith('#')).length,
    }));
    expect(inert).toEqual({ xss: null, scripts: 0, images: 0, bold: 0, handlers: 0, jsLinks: 0 });
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a form POST from another origin is refused without the CSRF token and changes nothing; a same-origin change without it too; the CSP header is set', async () => {
  const starter = await h.api.tokenFor('ivan', ['operator']);
  const runId = await h.start(starter, HOSTILE('console-csrf'));
  const approver = await signedIn(h.browser, h.api.url, await h.api.tokenFor('abel', ['approver', 'operator']));
  const { page, context } = approver;
  try {
    await page.goto(`${h.api.url}/console/#/runs/${runId}`);
    await page.locator('li[data-wait="fence"]').waitFor({ timeout: 20_000 });
    const target = (p: string) => `${h.api.url}${p}`;
    const attempt = async (origin: string, action: string, plain: boolean) => {
      const answer = page.waitForResponse((r) => r.url() === action && r.request().method() === 'POST');
      await page.goto(`${origin}/?action=${encodeURIComponent(action)}&plain=${plain ? 1 : 0}`);
      const response = await answer;
      return { status: response.status(), cookie: (await response.request().allHeaders()).cookie ?? null };
    };
    // Another site (localhost is not 127.0.0.1): the SameSite=Strict cookie is not even sent.
    const crossSite = await attempt(`http://localhost:${attackerPort}`, target(`/api/runs/${runId}/abort`), true);
    expect(crossSite.cookie).toBeNull();
    expect([401, 415]).toContain(crossSite.status);
    // A sibling port of the same host is the same site: the cookie goes along, the CSRF token cannot.
    const sameSite = await attempt(`http://127.0.0.1:${attackerPort}`, target(`/api/runs/${runId}/abort`), false);
    expect(sameSite.cookie).toMatch(/drillbook_session=/);
    expect([403, 415]).toContain(sameSite.status);
    // Even an empty form (nothing to parse) to an act that needs no body: refused, nothing approved.
    const emptyForm = await attempt(`http://127.0.0.1:${attackerPort}`, target(`/api/runs/${runId}/steps/gate/approve`), false);
    expect(emptyForm.cookie).toMatch(/drillbook_session=/);
    expect([403, 415]).toContain(emptyForm.status);

    // Back on the console, a change made with the cookie but without the token: refused, naming the header.
    await page.goto(`${h.api.url}/console/#/runs/${runId}`);
    await page.locator('li[data-wait="fence"]').waitFor({ timeout: 20_000 });
    const noToken = await page.evaluate(async (id) => {
      const response = await fetch(`/api/runs/${id}/abort`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'no token' }) });
      return { status: response.status, body: (await response.json()) as { field?: string } };
    }, runId);
    expect(noToken).toEqual({ status: 403, body: expect.objectContaining({ field: 'X-CSRF-Token' }) });

    // Nothing changed: the run still waits at its first step, no abort, no approval; the refusals are recorded.
    const view = (await (await context.request.get(target(`/api/runs/${runId}/view`))).json()) as { state: string; waiting: { stepId: string }[] };
    expect(view.state).toBe('running');
    expect(view.waiting.map((w) => w.stepId)).toEqual(['fence']);
    expect(await h.events(runId, 'run.abort_requested')).toEqual([]);
    // Refused before the run was looked at: on the api chain, naming the session they were aimed at.
    const refusals = await h.db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', 'api').where('type', '=', 'action.refused').execute();
    const aimedAtAbel = refusals.filter((e) => (e.data as any).runId === runId && (e.data as any).token?.owner === 'abel');
    expect(aimedAtAbel.map((e) => [e.actor, (e.data as any).token.state])).toEqual(expect.arrayContaining([['anonymous', 'no-csrf-token']]));
    expect(aimedAtAbel.length).toBeGreaterThanOrEqual(3);

    // The CSP on the page the browser got.
    const pageAnswer = await context.request.get(`${h.api.url}/console/`);
    const csp = pageAnswer.headers()['content-security-policy'];
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  } finally {
    await context.close();
  }
});
