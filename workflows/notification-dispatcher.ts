/**
 * `notificationDispatcher`: the one dispatcher of notifications per programme queue, started by the
 * programme worker (fixed workflow id, `notificationDispatcherId`). It runs the dispatching activity
 * (activities/notification-activities.ts) back to back — each call an hour, heartbeating its place
 * in the trail — and continues as new now and then, so its history stays short.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DispatchCursor, NotificationActivities } from '../activities/notification-activities';

export interface NotificationDispatcherInput {
  /** Task queue of the programme activities; default: this workflow's. */
  programmeTaskQueue?: string;
  /** How often the trail is read (ms); default 1000. */
  pollMs?: number;
  /** Where the previous run of this workflow stopped. */
  cursor?: DispatchCursor;
}

/** Activity calls before the history is cut (continue-as-new). */
const CALLS_PER_RUN = 24;

export async function notificationDispatcher(input: NotificationDispatcherInput = {}): Promise<void> {
  const acts = proxyActivities<NotificationActivities>({
    taskQueue: input.programmeTaskQueue ?? workflowInfo().taskQueue,
    startToCloseTimeout: '2h',
    // A dead worker is noticed within this; the retry resumes from the last heartbeat's cursor.
    heartbeatTimeout: '30s',
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
  });
  let cursor = input.cursor;
  for (let i = 0; i < CALLS_PER_RUN; i++) {
    ({ cursor } = await acts.dispatchNotifications({ cursor, pollMs: input.pollMs ?? 1_000, runForMs: 3_600_000 }));
  }
  await continueAsNew<typeof notificationDispatcher>({ ...input, cursor });
}
