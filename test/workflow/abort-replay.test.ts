/**
 * An abort while a step's activity is in flight must leave a history that replays on the same code:
 * a worker restart mid-run, or a query on the finished run (not cached, so its whole history is
 * replayed), re-runs the workflow from its history. Against the real dev server and worker wiring.
 */
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker';
import { getProgress } from '../../src/plan/run-messages';
import { workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { answerJson } from '../support/scripted-api';
import { sendSigned } from '../support/signing';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { compensatedStep, cutover, sequenceMember } from '../support/runbook-steps';

const wf = workflowSuite('abort-replay', (path, res) => {
  // Answers late: a step still running when the test aborts.
  if (path.startsWith('/slow')) setTimeout(() => answerJson(res, {}), 3000);
  else answerJson(res, { path });
});

/** The runbook so far: a step `prepare`, done, with an undo; the test appends the step to abort. */
const header = `${runbookHeader('abort-replay', { objectives: 'rto: 1m', base: true })}steps:${compensatedStep('prepare', [])}`;

async function abortMidStep(yaml: string, slowPath: string) {
  const handle = await startRunbook(wf, yaml, { params: { base: wf.api.base } });
  await waitFor(async () => wf.api.calls.includes(`POST ${slowPath}`));
  await sendSigned(handle, 'abort', { reason: 'stop now', actor: 'carol' });
  expect((await handle.result()).state).toBe('aborted');
  return handle;
}

async function expectReplays(handle: Awaited<ReturnType<typeof abortMidStep>>) {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  // A query on a finished run replays its history on the live worker too.
  const progress = await handle.query(getProgress);
  expect(progress.state).toBe('aborted');
  expect(progress.steps.find((s) => s.id === 'prepare')?.compensation).toBe('completed');
}

test('abort while a step WITHOUT an undo runs: the history replays', async () => {
  const handle = await abortMidStep(`${header}
  - id: slow
    title: answers after 3 s, no undo
    kind: action
    needs: [prepare]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/a" } }
`, '/slow/a');
  await expectReplays(handle);
});

test('abort while a step WITH an undo runs: the history replays', async () => {
  const handle = await abortMidStep(`${header}
  - id: slow
    title: answers after 3 s, with an undo
    kind: action
    needs: [prepare]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/b" } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/slow" } }
`, '/slow/b');
  await expectReplays(handle);
});

test('abort while a sequence runs: the history replays', async () => {
  const handle = await abortMidStep(`${header}${cutover('needs: [prepare]')}${sequenceMember('fence')}
      - id: promote
        title: answers after 3 s
        kind: action
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/c" } }
`, '/slow/c');
  await expectReplays(handle);
});
