/**
 * A runbook's RPO may be fractional (failover-to-dr's upper bound for an unreachable primary is a
 * difference of timestamps in ms with microseconds): the run still ends, with whole milliseconds
 * rounded up in its row and its end event (the runs row holds bigints), and the same verdict.
 */
import { getRun } from '../../src/audit/runs';
import { getRunStory } from '../../src/audit/run-story';
import { verifyRunProjections } from '../../src/audit/verify-runs';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { startSignedRun } from '../support/signing';
import { startWorkflowHarness, type WorkflowHarness } from '../support/temporal';

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness('fractional-rpo');
});

afterAll(async () => {
  await harness?.close();
});

test('a fractional rpoMs ends the run with whole milliseconds rounded up in the record', async () => {
  const { plan, planHash, diagnostics } = loadRunbookText(
    `
apiVersion: drillbook/v1
name: fractional-rpo
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m, rpo: 2s }
modes: [drill]
steps:
  - id: measure
    title: measure
    kind: action
    action: { adapter: noop, input: { output: { rpoMs: 1345.42 } } }
    marks: [rpo.measure]
`,
    'fractional-rpo.yaml',
    { registry: adapterRegistry },
  );
  if (!plan || !planHash) throw new Error(JSON.stringify(diagnostics));
  const handle = await startSignedRun(harness.client, { plan, planHash, mode: 'drill', params: {}, initiator: 'alice', reason: 'test', taskQueue: harness.taskQueue });
  const result = await handle.result();
  expect(result).toMatchObject({ state: 'completed', verdict: 'pass' });
  const runId = handle.workflowId;
  expect(await getRun(harness.db, runId)).toMatchObject({ status: 'completed', rpoMs: 1346 });
  const end = (await getRunStory(harness.db, runId)).events.find((e) => e.type === 'run.completed');
  expect(end?.data).toMatchObject({ rpoMs: 1346 });
  expect((await verifyRunProjections(harness.db, { runId })).ok).toBe(true);
});
