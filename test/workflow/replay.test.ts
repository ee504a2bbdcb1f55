/**
 * Replays recorded histories of `runDrill` against today's workflow code: a change to the
 * interpreter that would break runs in flight fails here. An altered history must fail to replay.
 *
 * Every JSON in test/fixtures/histories is replayed (not while recording). Record the fixtures that
 * are missing (delete one to record it anew, after a deliberate, patched change) with:
 *   RECORD_HISTORIES=1 npx jest test/workflow/record-histories.test.ts
 * (record-histories.test.ts records every history and says what each covers.)
 * run-drill-decide-abort.json was recorded before signed actions (signed-actions-2026-12): it keeps
 * the unpatched path replaying and can no longer be recorded; run-drill-signed-approve-decide.json is
 * a run whose start, approval and decisions were signed; run-drill-abort-mid-step.json is a run aborted
 * while a step without an undo ran (its activity cancelled without waiting) after a step with one:
 * it replays only with the abort-flush-barrier-2026-12 patch (see workflows/run-drill/patches.ts).
 * run-campaign-retry-abort.json is a campaign (runCampaign): phases as child runs, a retry decided,
 * an abort forwarded to the running phase. scheduled-campaign-deferred.json is a campaign schedule's
 * action (scheduledCampaign: a blackout deferral, the campaign as a child); run-campaign-scheduled.json
 * that campaign, its start a schedule's grant (scheduled-campaign-2026-12).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker';

const dir = path.join(__dirname, '..', 'fixtures', 'histories');

/** Replays `history` (from `file`) under its own workflow id: a signed start is bound to it. */
async function replay(history: ReturnType<typeof historyFromJSON>, file: string): Promise<void> {
  const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || `replay-${file}`;
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
}

/** While histories are being recorded (record-histories.test.ts), a half-written file is no fixture. */
const replaying = process.env.RECORD_HISTORIES ? describe.skip : describe;

replaying('recorded histories', () => {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

  test('fixtures exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('%s replays on the current workflow code', async (file) => {
    await replay(historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))), file);
  });

  test('a new run takes the signed path: its history holds the signed-actions patch marker and the keys its worker trusted', () => {
    const text = readFileSync(path.join(dir, 'run-drill-signed-approve-decide.json'), 'utf8');
    const history = historyFromJSON(JSON.parse(text));
    const decoded = history.events!.flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).map((p) => Buffer.from(p.payloads?.[0]?.data ?? []).toString('utf8')),
    );
    expect(decoded.some((d) => d.includes('signed-actions-2026-12'))).toBe(true);
    expect(decoded.some((d) => d.includes('trustedSigningKeys'))).toBe(true);
  });

  test("a scheduled campaign takes the schedule's grant path: its history holds the scheduled-campaign patch marker", () => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, 'run-campaign-scheduled.json'), 'utf8')));
    const decoded = history.events!.flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).map((p) => Buffer.from(p.payloads?.[0]?.data ?? []).toString('utf8')),
    );
    expect(decoded.some((d) => d.includes('scheduled-campaign-2026-12'))).toBe(true);
  });

  test.each(files)('%s altered (a step launched as another activity, a phase as another workflow) fails to replay', async (file) => {
    const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const scheduled = json.events.filter((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    // A campaign schedules no activity of its own: its phases are child workflows.
    const child = json.events.find((e: { startChildWorkflowExecutionInitiatedEventAttributes?: unknown }) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    if (scheduled.length === 0) {
      child.startChildWorkflowExecutionInitiatedEventAttributes.workflowType.name = 'scheduledDrill';
    } else {
      // Swap the activity type of the first scheduled activity: the interpreter would never do that.
      const first = scheduled[0].activityTaskScheduledEventAttributes.activityType;
      first.name = first.name === 'probeCheck' ? 'executeAction' : 'probeCheck';
    }
    // Under its own workflow id, so the signed start verifies and the swap is what fails the replay.
    await expect(replay(historyFromJSON(json), file)).rejects.toThrow(
      scheduled.length ? /Activity type of scheduled event '[^']+' does not match activity type of activity command/ : /does not match child workflow type of command/,
    );
  });
});
