/**
 * An abort while a step's activity is in flight must leave a history that replays on the same code:
 * a worker restart mid-run, or a query on the finished run (not cached, so its whole history is
 * replayed), re-runs the workflow from its history. Against the real dev server and worker wiring.
 */
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { workflowBundle } from '../../src/temporal/worker';
import { abortRun, getProgress } from '../../src/plan/run-messages';
import { startWorkflowHarness, type WorkflowHarness } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { answerJson, startScriptedApi, type ScriptedApi } from '../support/scripted-api';
import { startSignedRun, signed } from '../support/signing';

let harness: WorkflowHarness;
let client: Client;
let taskQueue: string;
let api: ScriptedApi;

beforeAll(async () => {
  harness = await startWorkflowHarness('abort-replay');
  ({ client, taskQueue } = harness);
  api = await startScriptedApi((path, res) => {
    // Answers late: a step still running when the test aborts.
    if (path.startsWith('/slow')) setTimeout(() => answerJson(res, {}), 3000);
    else answerJson(res, { path });
  });
});

afterAll(async () => {
  await harness?.close();
  api?.close();
});

const header = `
apiVersion: drillbook/v1
name: abort-replay
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m }
modes: [drill]
params:
  base: { type: string, required: true }
steps:
  - id: prepare
    title: done, with an undo
    kind: action
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/prepare" } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/prepare" } }
`;

/** Starts the runbook, aborts once `/slow…` was called, and returns the finished run's handle. */
async function abortMidStep(yaml: string, slowPath: string) {
  const { plan, planHash, diagnostics } = loadRunbookText(yaml, 'test.yaml', { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(`runbook invalid: ${JSON.stringify(diagnostics)}`);
  const handle = await startSignedRun(client, { plan, planHash, mode: 'drill', params: { base: api.base }, initiator: 'alice', reason: 'test', taskQueue });
  await waitFor(async () => api.calls.includes(`POST ${slowPath}`));
  await handle.executeUpdate(abortRun, { args: [await signed('abort', handle.workflowId, { reason: 'stop now', actor: 'carol' })] });
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
  const handle = await abortMidStep(`${header}
  - id: cutover
    title: critical section
    kind: sequence
    needs: [prepare]
    steps:
      - id: fence
        title: fence
        kind: action
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/fence" } }
        compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/fence" } }
      - id: promote
        title: answers after 3 s
        kind: action
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/c" } }
`, '/slow/c');
  await expectReplays(handle);
});
