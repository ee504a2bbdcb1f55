/**
 * The API's start runs the shared validator, so what `validate` refuses the API refuses too, with a
 * 400 naming the place — never a 500 (issue 14: out-of-scope secrets, a template in `sh -c`, an
 * alias bomb, an expression of 100k terms, a runbook past the size limit).
 */
import { apiSuite } from '../../support/api';
import { aliasBombRunbook, HOSTILE_HEAD } from '../../support/runbooks';

const suite = apiSuite('api-limits', { op: ['operator'] }, { workers: false });

async function start(runbook: string, params?: Record<string, string>): Promise<{ status: number; body: { error?: string; message?: string; runId?: string } }> {
  return suite.call('POST', '/api/runs', 'op', { runbook, file: 'rb.yaml', mode: 'drill', params, reason: 'limits test' });
}

const head = HOSTILE_HEAD;

test.each([
  ['file:/etc/shadow', `${head}params:\n  pw: { type: secret, default: "file:/etc/shadow" }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`, /rb\.yaml:7:32: error: secret file:\/etc\/shadow is outside this worker's scope/],
  ['env:HOME', `${head}steps:\n  - { id: s, title: s, kind: action, action: { adapter: http, input: { url: "https://x.example", headersFromSecrets: { A: env:HOME } } } }\n`, /rb\.yaml:7:\d+: error: secret env:HOME is outside this worker's scope/],
  ['sh -c template', `${head}params:\n  x: { type: string }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: exec, input: { argv: [sh, -c, "echo \${{ params.x }}"] } } }\n`, /rb\.yaml:9:\d+: error: a template in a shell script \(sh -c\)/],
  ['an expression of 100k terms', `${head}steps:\n  - { id: s, title: s, kind: action, when: "${Array(100_000).fill('1').join('+')}", action: { adapter: noop, input: {} } }\n`, /rb\.yaml:7:\d+: error: a text of 199999 characters is longer than the limit/],
  ['a runbook past the size limit', `${head}steps:\n  - { id: s, title: "${'T'.repeat(300_000)}", kind: action, action: { adapter: noop, input: {} } }\n`, /rb\.yaml:1:1: error: a runbook of \d+ bytes is larger than the limit of 262144/],
])('%s: 400 runbook_invalid, located', async (_what, runbook, expected) => {
  const answer = await start(runbook);
  expect(answer.status).toBe(400);
  expect(answer.body.error).toBe('runbook_invalid');
  expect(answer.body.message).toMatch(expected);
  expect(answer.body.message!.length).toBeLessThan(1000);
});

test('an alias bomb: 400, located, not 500', async () => {
  const answer = await start(aliasBombRunbook());
  expect(answer.status).toBe(400);
  expect(answer.body.message).toMatch(/rb\.yaml:7:8: error: aliases expand to too much data/);
});

test('a secret param given at start outside the scope: 400 naming the param, no run', async () => {
  const runbook = `${head}params:\n  pw: { type: secret, required: true }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`;
  const answer = await start(runbook, { pw: 'file:/etc/shadow' });
  expect(answer.status).toBe(400);
  expect(answer.body.runId).toBeUndefined();
  expect(answer.body.message).toMatch(/params: .*pw.*outside/);
});
