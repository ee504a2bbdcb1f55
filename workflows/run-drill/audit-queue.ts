/**
 * The workflow's own audit events (skips, waits, failures after retries, decisions): queued, and
 * written in batches by a local activity, so the audit trail costs no extra Temporal round trip per
 * step. Step activities write their own events.
 */
import { condition, proxyLocalActivities } from '@temporalio/workflow';
import type { StepActivities } from '../../activities/step-activities';
import type { WorkflowAuditEvent } from '../../activities/step-types';
import type { Json } from '../../src/plan/types';

export const auditWriter = proxyLocalActivities<StepActivities>({
  // Local: a batch of audit rows is a few ms of SQL; a regular activity would cost a round trip.
  startToCloseTimeout: '30s',
  // The audit trail must not lose an event: retry until the database answers (writes are idempotent).
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

export class AuditQueue {
  private readonly events: WorkflowAuditEvent[] = [];
  /** Set when the run ends: the flush loop drains what is queued and stops. */
  private closing = false;
  /** A batch of the queue is being written (a local activity in flight). */
  private flushing = false;
  private flushed?: Promise<void>;

  constructor(private readonly runId: string) {}

  /** Queues an event; its key (run/step/transition) makes the write idempotent. */
  record(type: string, stepId: string | undefined, actor: string, data: Json, transition: string): void {
    this.events.push({
      key: `${this.runId}/${stepId ?? '-'}/${transition}`,
      runId: this.runId,
      type,
      stepId,
      actor,
      at: new Date().toISOString(),
      data,
    });
  }

  /** Starts the flush loop (once the run's start is recorded). */
  start(): void {
    this.flushed = this.flushLoop();
  }

  /** Nothing queued and no batch in flight. */
  idle(): boolean {
    return this.events.length === 0 && !this.flushing;
  }

  /** Drains what is queued and stops the flush loop: the returned promise settles when it has. */
  close(): Promise<void> | undefined {
    this.closing = true;
    return this.flushed;
  }

  /** Takes what is queued (for the run's last write). */
  take(): WorkflowAuditEvent[] {
    return this.events.splice(0);
  }

  /** Writes queued workflow events in batches (whatever accumulated meanwhile); drains and ends on close. */
  private async flushLoop(): Promise<void> {
    for (;;) {
      await condition(() => this.events.length > 0 || this.closing);
      if (this.events.length === 0) return;
      this.flushing = true;
      try {
        await auditWriter.appendAuditEvents(this.events.splice(0));
      } finally {
        this.flushing = false;
      }
    }
  }
}
