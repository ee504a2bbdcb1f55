/**
 * Where a run's time goes, from its Temporal history alone: workflow-task schedule-to-start and
 * processing, activity schedule-to-start and execution (for drillbook that includes the step's audit
 * writes), and local activities (drillbook's batched audit writes). BENCHMARKS.md quotes these.
 */
import type { Client } from '@temporalio/client';

export interface HistoryBreakdown {
  wallMs: number;
  events: number;
  workflowTasks: number;
  /** Sum over workflow tasks: scheduled → started (waiting for a worker to pick it up). */
  workflowTaskQueueMs: number;
  /** Sum over workflow tasks: started → completed (the worker running workflow code). */
  workflowTaskRunMs: number;
  activities: number;
  activityQueueMs: number;
  /** started → completed: the activity's own time (drillbook: adapter + audit writes). */
  activityRunMs: number;
  localActivities: number;
}

interface Timestamp {
  seconds?: number | { toNumber(): number } | null;
  nanos?: number | null;
}

function ms(t: Timestamp | null | undefined): number {
  if (!t) return 0;
  const seconds = typeof t.seconds === 'object' && t.seconds !== null ? t.seconds.toNumber() : Number(t.seconds ?? 0);
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
}

function id(value: unknown): string {
  return String(value);
}

export async function historyBreakdown(client: Client, workflowId: string): Promise<HistoryBreakdown> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = new Map<string, number>();
  const out: HistoryBreakdown = {
    wallMs: 0, events: events.length, workflowTasks: 0, workflowTaskQueueMs: 0, workflowTaskRunMs: 0,
    activities: 0, activityQueueMs: 0, activityRunMs: 0, localActivities: 0,
  };
  for (const e of events) {
    const t = ms(e.eventTime as Timestamp);
    at.set(id(e.eventId), t);
    if (e.workflowTaskStartedEventAttributes) {
      out.workflowTasks++;
      out.workflowTaskQueueMs += t - (at.get(id(e.workflowTaskStartedEventAttributes.scheduledEventId)) ?? t);
    } else if (e.workflowTaskCompletedEventAttributes) {
      out.workflowTaskRunMs += t - (at.get(id(e.workflowTaskCompletedEventAttributes.startedEventId)) ?? t);
    } else if (e.activityTaskStartedEventAttributes) {
      out.activities++;
      out.activityQueueMs += t - (at.get(id(e.activityTaskStartedEventAttributes.scheduledEventId)) ?? t);
    } else if (e.activityTaskCompletedEventAttributes) {
      out.activityRunMs += t - (at.get(id(e.activityTaskCompletedEventAttributes.startedEventId)) ?? t);
    } else if (e.markerRecordedEventAttributes) {
      out.localActivities++;
    }
  }
  if (events.length) out.wallMs = ms(events[events.length - 1].eventTime as Timestamp) - ms(events[0].eventTime as Timestamp);
  return out;
}
