/**
 * `kind: sequence`: members run back to back in one activity (a failover's critical section), each
 * with its own audit trail, step result, marks and compensation — against the real dev server, the
 * real worker wiring and the real audit database.
 */
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { getProgress } from '../../src/plan/run-messages';
import { workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { answerJson } from '../support/scripted-api';
import { sendSigned } from '../support/signing';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { cutover, REFUSED_MEMBER, sequenceMember as member, SKIPPED_IN_DRILL_MEMBER } from '../support/runbook-steps';

let polls = 0;
const wf = workflowSuite('seq', (path, res) => {
  if (path.startsWith('/poll')) polls += 1;
  // Answers late: a member still running when the test aborts.
  if (path === '/slow') setTimeout(() => answerJson(res, {}), 3000);
  else answerJson(res, { path, ready: polls >= 3, token: 'tk-1' });
});

const header = runbookHeader('seq-test', { objectives: 'rto: 1m', modes: 'drill, failover', base: true });

/** Starts `header` with `steps` (the YAML after `steps:`). */
async function start(steps: string) {
  return startRunbook(wf, `${header}steps:${steps}`, { params: { base: wf.api.base } });
}

test('members run in order in one local activity: templates, when, polled checks, continue; each with its own trail, results and marks', async () => {
  wf.api.failuresLeft.set('/do/optional', 100);
  const handle = await start(`${cutover('local: true')}${member('fence', '\n        marks: [rto.start]\n        evidence: [json]')}
      - id: read-token
        title: reads the fence's answer
        kind: action
        action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/token/\${{ steps.fence.output.json.token }}" } }${SKIPPED_IN_DRILL_MEMBER}
      - id: optional
        title: fails, and the sequence goes on
        kind: action
        onFailure: continue
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/optional" } }
      - id: ready
        title: polled until ready
        kind: check
        probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/poll" } }
        expect: output.json.ready
        until: { within: 20s, every: 20ms }
        marks: [rto.end]
  - id: after
    title: reads a member's output
    kind: action
    needs: [cutover]
    action: { adapter: noop, input: { output: { path: "\${{ steps['read-token'].output.json.path }}" } } }
`);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['after'].output).toEqual({ path: '/token/tk-1' });
  expect(result.steps['only-failover'].state).toBe('skipped');
  expect(result.steps['optional'].state).toBe('failed');
  expect(result.verdict).toBe('partial');
  expect(result.rtoMs).toBeGreaterThanOrEqual(0);

  // One activity for the whole sequence: a local activity marker, no scheduled activity for a member.
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled).not.toContain('executeSequence');
  const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  expect(markers.length).toBeGreaterThanOrEqual(3); // run started, the sequence, run ended

  const story = await getRunStory(wf.db, handle.workflowId);
  // What the activity wrote, in chain order (the workflow's own step.failed/skipped come with its next batch).
  const trail = story.events
    .filter((e) => e.actor !== 'drillbook' && e.stepId && ['fence', 'read-token', 'optional', 'ready'].includes(e.stepId))
    .map((e) => `${e.type}:${e.stepId}`);
  expect(trail).toEqual([
    'step.started:fence',
    'step.completed:fence',
    'step.started:read-token',
    'step.completed:read-token',
    'step.started:optional',
    'step.attempt_failed:optional',
    'step.started:ready',
    'step.completed:ready',
  ]);
  const types = story.events.map((e) => `${e.type}:${e.stepId ?? ''}`);
  expect(types).toContain('step.skipped:only-failover');
  expect(types).toContain('step.failed:optional');
  expect(types.filter((t) => t === 'step.completed:cutover')).toHaveLength(1);
  expect(story.events.find((e) => e.type === 'step.completed' && e.stepId === 'fence')!.data).toMatchObject({ evidence: { json: { token: 'tk-1' } } });
  const rows = new Map(story.steps.map((s) => [s.stepId, s]));
  expect(rows.get('fence')?.status).toBe('completed');
  expect(rows.get('ready')?.status).toBe('completed');
  expect(rows.get('ready')!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows.get('fence')!.endedAt!.getTime());
  expect(story.run!.rtoMs).toBe(rows.get('ready')!.endedAt!.getTime() - rows.get('fence')!.startedAt!.getTime());
  expect(wf.api.calls.filter((c) => c === 'POST /do/fence')).toHaveLength(1);
  expect(await verifyAuditChain(wf.db, { chainId: handle.workflowId })).toMatchObject({ ok: true });
});

test('a member that fails transiently: the sequence is retried and members an earlier attempt completed are not run again', async () => {
  wf.api.failuresLeft.set('/do/flaky-two', 1);
  const handle = await start(`${cutover('retry: { attempts: 3, interval: 100ms }')}${member('flaky-one')}${member('flaky-two')}
`);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('pass');
  expect(wf.api.calls.filter((c) => c === 'POST /do/flaky-one')).toHaveLength(1);
  expect(wf.api.calls.filter((c) => c === 'POST /do/flaky-two')).toHaveLength(2);
  const story = await getRunStory(wf.db, handle.workflowId);
  const types = story.events.map((e) => `${e.type}:${e.stepId ?? ''}`);
  expect(types.filter((t) => t === 'step.completed:flaky-one')).toHaveLength(1);
  expect(types.filter((t) => t === 'step.attempt_failed:flaky-two')).toHaveLength(1);
  expect(types.filter((t) => t === 'step.completed:flaky-two')).toHaveLength(1);
  expect(types.filter((t) => t === 'step.retried:cutover')).toHaveLength(1);
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);
});

test('a member that fails for good pauses the run on its sequence; abort undoes the completed members in reverse', async () => {
  const handle = await start(`${cutover()}${member('undo-a')}${member('undo-b')}${REFUSED_MEMBER}${member('never-run')}
  - id: later
    title: never runs
    kind: action
    needs: [never-run]
    action: { adapter: noop, input: {} }
`);
  await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'cutover');
  const progress = await handle.query(getProgress);
  const state = (id: string) => progress.steps.find((s) => s.id === id)?.state;
  expect([state('undo-a'), state('undo-b'), state('refused'), state('never-run')]).toEqual(['completed', 'completed', 'failed', 'pending']);
  expect(progress.awaitingDecision?.error).toMatch(/refused/);

  await sendSigned(handle, 'abort', { reason: 'stop the drill', actor: 'carol' });
  const result = await handle.result();
  expect(result.state).toBe('aborted');
  expect(wf.api.calls.filter((c) => c.startsWith('POST /undo/undo-'))).toEqual(['POST /undo/undo-b', 'POST /undo/undo-a']);
  expect(wf.api.calls).not.toContain('POST /do/never-run');
  const story = await getRunStory(wf.db, handle.workflowId);
  const types = story.events.map((e) => `${e.type}:${e.stepId ?? ''}`);
  expect(types).toContain('step.failed:refused');
  expect(types).toContain('compensation.completed:undo-b');
  expect(types).toContain('compensation.completed:undo-a');
  expect(types.some((t) => t.endsWith(':never-run'))).toBe(false);
});

test('an abort while a sequence runs waits for it, then undoes every member it completed, in reverse', async () => {
  const handle = await start(`${cutover()}${member('before-slow')}
      - id: slow
        title: answers after 3 s
        kind: action
        action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/slow" } }${member('after-slow')}
`);
  await waitFor(async () => wf.api.calls.includes('GET /slow'));
  await sendSigned(handle, 'abort', { reason: 'stop now', actor: 'carol' });
  const result = await handle.result();
  expect(result.state).toBe('aborted');
  // The activity learns of the cancel at its next heartbeat: whatever it completed until then is undone.
  const done = wf.api.calls.filter((c) => c === 'POST /do/before-slow' || c === 'POST /do/after-slow').map((c) => c.replace('/do/', '/undo/'));
  expect(done[0]).toBe('POST /undo/before-slow');
  expect(wf.api.calls.filter((c) => c.startsWith('POST /undo/') && c.includes('-slow'))).toEqual(done.reverse());
  const progress = await handle.query(getProgress);
  expect(progress.steps.find((s) => s.id === 'before-slow')?.compensation).toBe('completed');
});
