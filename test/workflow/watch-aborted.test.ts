/**
 * `drillbook watch` on an aborted run shows the compensations that ran and how each ended: live from
 * the workflow's progress, and from the audit trail once Temporal has forgotten the run (a client
 * that knows no run stands for that here). Through the real API and the function `watch` follows a run with (followRunViaApi).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ApiClient } from '../../src/cli/api-client';
import { followRunViaApi } from '../../src/cli/api-runs';
import { startTestApi, type TestApi } from '../support/api';
import { abortWhileHolding, undoableChainThenHold } from '../support/runbook-steps';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { answerJson } from '../support/scripted-api';
import { workflowSuite } from '../support/temporal';

const wf = workflowSuite('watch', (path, res) => answerJson(res, { path }));
let api: TestApi;
let viewer: ApiClient;

beforeAll(async () => {
  api = await startTestApi(wf.db, wf.client, wf.taskQueue);
  viewer = await api.clientFor('vera', ['auditor']);
});

afterAll(async () => {
  await api?.close();
});

const runbook = `${runbookHeader('watch-aborted', { objectives: 'rto: 1m, rpo: 0s', base: true })}steps:${undoableChainThenHold()}`;

/** A Temporal client after the run's retention: every run is unknown to it. */
const temporalThatForgot = {
  workflow: {
    getHandle: (workflowId: string) => {
      const forgot = async () => {
        throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
      };
      return { workflowId, query: forgot, describe: forgot, result: forgot };
    },
  },
} as unknown as Client;

/** What `watch` prints (its screens) and what `watch --json` prints (the outcome). */
async function watch(as: ApiClient, runId: string) {
  const screens: string[] = [];
  const { outcome, ended } = await followRunViaApi(as, runId, { show: (text) => screens.push(text), intervalMs: 50, once: true });
  return { screen: screens.at(-1)!, outcome, ended };
}

function expectCompensationsShown(view: Awaited<ReturnType<typeof watch>>) {
  const line = (id: string) => view.screen.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
  expect(line('three')).toContain('[undone]');
  expect(line('two')).toContain('[undo FAILED]');
  expect(line('one')).toContain('[undone]');
  expect(line('hold')).not.toContain('undo');
  expect(view.screen).toContain('compensations: 2 completed, 1 failed (two)');
  expect(Object.fromEntries(Object.entries(view.outcome.steps).map(([id, s]) => [id, s.compensation]))).toEqual({
    one: 'completed',
    two: 'failed',
    three: 'completed',
    hold: undefined,
  });
}

test('an aborted run shows its compensations and their outcome, live and from the audit trail', async () => {
  wf.api.failuresLeft.set('/undo/two', 100);
  const handle = await startRunbook(wf, runbook, { params: { base: wf.api.base }, file: 'watch-aborted.yaml' });
  await abortWhileHolding(handle);
  expect((await handle.result()).state).toBe('aborted');

  const live = await watch(viewer, handle.workflowId);
  expect(live.ended).toBe(true);
  expect(live.screen).toMatch(/ABORTED/);
  expectCompensationsShown(live);

  // Once Temporal has forgotten the run (its retention passed), the API answers from the audit trail:
  // the same API on a Temporal that knows no run.
  const forgetful = await startTestApi(wf.db, temporalThatForgot, wf.taskQueue);
  try {
    const fromTrail = await watch(await forgetful.clientFor('vera', ['auditor']), handle.workflowId);
    expect(fromTrail.screen).toContain('(from the audit trail; verdict fail)');
    expect(fromTrail.outcome).toMatchObject({ state: 'aborted', verdict: 'fail' });
    expect(fromTrail.screen).toMatch(/ABORTED/);
    expectCompensationsShown(fromTrail);
  } finally {
    await forgetful.close();
  }
});
