/**
 * The interpreter against the real dev server, the real worker wiring and the real audit database:
 * dependencies and parallelism, `when`, templates over step outputs, polled checks, durable waits,
 * retries, pause → decision, abort → compensations in reverse, and the audit trail of each.
 */
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import type { Mode } from '../../src/plan/types';
import { getProgress } from '../../src/plan/run-messages';
import { workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { answerJson } from '../support/scripted-api';
import { sendSigned, updateRefusal } from '../support/signing';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { abortWhileHolding, undoableChainThenHold } from '../support/runbook-steps';

let counter = 0;
const wf = workflowSuite('wf', (path, res) => {
  if (path.startsWith('/counter')) counter += 1;
  // Answers late: a step still running when the test aborts.
  if (path === '/do/slow') setTimeout(() => answerJson(res, { path }), 3000);
  else answerJson(res, { path, counter, ready: counter >= 3 });
});

/** Starts `header` with `steps` (the YAML after `steps:`). */
async function start(steps: string, mode: Mode = 'drill', params: Record<string, string | number | boolean> = {}) {
  return startRunbook(wf, `${header}steps:${steps}`, { mode, params: { base: wf.api.base, ...params } });
}

const header = runbookHeader('wf-test', { objectives: 'rto: 1m, rpo: 0s', modes: 'drill, failover', base: true });

test('runs dependencies, parallel steps, when, templates, polled checks and waits; the audit trail holds each transition once', async () => {
  const handle = await start(`
  - id: first
    title: first
    kind: action
    action: { adapter: noop, input: { output: { token: abc, n: 2 } } }
    marks: [rto.start]
  - id: left
    title: left
    kind: action
    needs: [first]
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/left/\${{ steps.first.output.token }}" } }
  - id: right
    title: right
    kind: action
    needs: [first]
    action: { adapter: noop, input: { output: { doubled: "\${{ steps.first.output.n * 2 }}" } } }
  - id: only-failover
    title: skipped in a drill
    kind: action
    needs: [first]
    when: mode == 'failover'
    action: { adapter: noop, input: {} }
  - id: poll
    title: poll until ready
    kind: check
    needs: [left, right]
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/counter" } }
    expect: output.json.ready
    until: { within: 20s, every: 100ms }
    marks: [rto.end]
  - id: pause
    title: durable wait
    kind: wait
    needs: [poll, only-failover]
    duration: 300ms
`);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('pass');
  expect(result.steps['only-failover'].state).toBe('skipped');
  expect(result.steps.right.output).toEqual({ doubled: 4 });
  expect(wf.api.calls).toContain('GET /left/abc');
  expect((result.steps.poll.output as { json: { counter: number } }).json.counter).toBeGreaterThanOrEqual(3);
  expect(result.rtoMs).toBeGreaterThan(0);

  const progress = await handle.query(getProgress);
  expect(progress.steps.map((s) => [s.id, s.state])).toEqual([
    ['first', 'completed'],
    ['left', 'completed'],
    ['right', 'completed'],
    ['only-failover', 'skipped'],
    ['poll', 'completed'],
    ['pause', 'completed'],
  ]);

  const story = (await getRunStory(wf.db, handle.workflowId))!;
  expect(story.run!.status).toBe('completed');
  expect(story.run!.verdict).toBe('pass');
  const types = story.events.map((e) => `${e.type}:${e.stepId ?? ''}`);
  expect(types[0]).toBe('run.started:');
  expect(types[types.length - 1]).toBe('run.completed:');
  for (const id of ['first', 'left', 'right', 'poll', 'pause']) {
    expect(types.filter((t) => t === `step.started:${id}`)).toHaveLength(1);
    expect(types.filter((t) => t === `step.completed:${id}`)).toHaveLength(1);
  }
  expect(types.filter((t) => t === 'step.skipped:only-failover')).toHaveLength(1);
  const polled = story.events.find((e) => e.type === 'step.completed' && e.stepId === 'poll')!;
  expect((polled.data as { probes: number }).probes).toBeGreaterThanOrEqual(3);
  // Events are keyed: no key twice, and the run's chain verifies.
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);
  expect((await verifyAuditChain(wf.db, { chainId: handle.workflowId })).ok).toBe(true);
});

/** An action `id` (after `needs`) that GETs `<base><path>`, tried as `retry` says. */
const getStep = (id: string, title: string, path: string, retry: string, needs = '') => `
  - id: ${id}
    title: ${title}
    kind: action
${needs ? `    needs: [${needs}]\n` : ''}    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}${path}" } }
    retry: ${retry}
`;

test('retries a failing step per its policy, then pauses for a decision; retry completes the run', async () => {
  wf.api.failuresLeft.set('/flaky', 2);
  const handle = await start(
    getStep('flaky', 'succeeds on the third attempt', '/flaky', '{ attempts: 3, interval: 100ms }') +
      getStep('broken', 'fails until decided', '/broken', '{ attempts: 1 }', 'flaky'),
  );
  wf.api.failuresLeft.set('/broken', 1);
  await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'broken');
  expect(await updateRefusal(sendSigned(handle, 'decide', { stepId: 'broken', decision: 'skip', actor: 'bob' }))).toMatch(/reason/);
  expect(await updateRefusal(sendSigned(handle, 'decide', { stepId: 'flaky', decision: 'retry', actor: 'bob' }))).toMatch(/not waiting/);
  await sendSigned(handle, 'decide', { stepId: 'broken', decision: 'retry', actor: 'bob' });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  const story = (await getRunStory(wf.db, handle.workflowId))!;
  const types = story.events.map((e) => `${e.type}:${e.stepId ?? ''}`);
  expect(types.filter((t) => t === 'step.retried:flaky')).toHaveLength(2);
  expect(types.filter((t) => t === 'step.completed:flaky')).toHaveLength(1);
  expect(types).toContain('step.failed:broken');
  expect(story.events.find((e) => e.type === 'decision.applied')?.actor).toBe('bob');
  expect(types.filter((t) => t === 'step.completed:broken')).toHaveLength(1);
});

test("a step that failed after its retries shows the attempts the trail recorded, not the first one's 1", async () => {
  wf.api.failuresLeft.set('/down/twice', 2);
  const handle = await start(getStep('down', 'fails both of its attempts', '/down/twice', '{ attempts: 2, interval: 100ms }'));
  await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'down');
  const step = (await handle.query(getProgress)).steps.find((s) => s.id === 'down')!;
  const story = await getRunStory(wf.db, handle.workflowId);
  const tried = story.events.filter((e) => e.type === 'step.attempt_failed' && e.stepId === 'down');
  expect(tried).toHaveLength(2);
  expect({ state: step.state, attempts: step.attempts }).toEqual({ state: 'failed', attempts: tried.length });
  await sendSigned(handle, 'decide', { stepId: 'down', decision: 'skip', reason: 'seen', actor: 'bob' });
  expect((await handle.result()).verdict).toBe('partial');
});

test('abort runs the compensations of completed steps in reverse order; a failing one does not stop the others', async () => {
  wf.api.failuresLeft.set('/undo/two', 100);
  const handle = await start(undoableChainThenHold());
  await abortWhileHolding(handle);
  const result = await handle.result();
  expect(result.state).toBe('aborted');
  expect(result.verdict).toBe('fail');
  const undos = wf.api.calls.filter((c) => c.startsWith('POST /undo/')).filter((c, i, all) => all.indexOf(c) === i);
  expect(undos).toEqual(['POST /undo/three', 'POST /undo/two', 'POST /undo/one']);
  const story = (await getRunStory(wf.db, handle.workflowId))!;
  const outcomes = story.events.filter((e) => e.type.startsWith('compensation.') && e.type !== 'compensation.started').map((e) => `${e.type}:${e.stepId}`);
  expect(outcomes).toContain('compensation.completed:three');
  expect(outcomes).toContain('compensation.failed:two');
  expect(outcomes).toContain('compensation.completed:one');
  expect(story.events.find((e) => e.type === 'run.abort_requested')?.actor).toBe('carol');
  expect(story.events.some((e) => e.type === 'step.cancelled' && e.stepId === 'hold')).toBe(true);
});

test('abort while a step with an undo runs: the run waits for it, and a side effect it completed is undone', async () => {
  const handle = await start(`
  - id: slow
    title: answers after 3 s
    kind: action
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/slow" } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/slow" } }
    retry: { attempts: 1 }
`);
  await waitFor(async () => wf.api.calls.includes('POST /do/slow'));
  await sendSigned(handle, 'abort', { reason: 'stop now', actor: 'carol' });
  const result = await handle.result();
  expect(result.state).toBe('aborted');
  // The fence-like call went through (the server answered after the abort): it must be undone.
  expect(wf.api.calls.indexOf('POST /undo/slow')).toBeGreaterThan(wf.api.calls.indexOf('POST /do/slow'));
  const story = await getRunStory(wf.db, handle.workflowId);
  expect(story.events.map((e) => `${e.type}:${e.stepId ?? ''}`)).toContain('compensation.completed:slow');
});

test('local steps run as local activities (no task-queue round trip) and keep their audit trail', async () => {
  const handle = await start(`
  - id: fence
    title: fence
    kind: action
    local: true
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/fence" } }
    marks: [rto.start]
  - id: promote
    title: promote
    kind: check
    local: true
    needs: [fence]
    probe: { adapter: noop, input: { output: { promoted: true } } }
    expect: output.promoted
    marks: [rto.end]
  - id: announce
    title: announce (a regular activity)
    kind: action
    needs: [promote]
    action: { adapter: noop, input: {} }
`);
  const result = await handle.result();
  expect(result.verdict).toBe('pass');
  expect(result.rtoMs).toBeGreaterThanOrEqual(0);
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  // Only `announce` went through the task queue; fence and promote are markers of local activities.
  expect(scheduled).toEqual(['executeAction']);
  expect(wf.api.calls).toContain('POST /fence');
  const story = await getRunStory(wf.db, handle.workflowId);
  for (const id of ['fence', 'promote', 'announce']) {
    expect(story.events.filter((e) => e.type === 'step.completed' && e.stepId === id)).toHaveLength(1);
  }
});

