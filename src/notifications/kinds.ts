/**
 * Which audit events notify the person in charge, and what they say. Pure: the dispatcher
 * (activities/notification-activities.ts) feeds it the trail's events and the run they belong to.
 * The trail is the outbox: every notice is an event the workflows and activities already write.
 */
import { formatDuration } from '../plan/duration';
import type { Json } from '../plan/types';

export const NOTIFICATION_KINDS = ['waiting', 'step-failed', 'paused', 'guard-tripped', 'readiness-red', 'alert', 'ended'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The run's outcomes (`run.<status>`, src/audit/tables/runs.ts) that end it. */
const RUN_ENDS = ['run.completed', 'run.failed', 'run.aborted', 'run.cancelled', 'run.terminated'];

/** Every event type that may notify; the dispatcher reads only these. */
export const NOTIFYING_EVENT_TYPES: readonly string[] = [
  'step.waiting',
  'approval.requested',
  'step.failed',
  'run.paused',
  'guard.violated',
  'readiness.changed',
  'alert.raised',
  ...RUN_ENDS,
];

export interface TrailEvent {
  key: string;
  type: string;
  runId: string | null;
  stepId: string | null;
  at: Date;
  data: Json;
}

/** What the dispatcher knows of the event's run (its `runs` row). */
export interface RunFacts {
  runbook: string;
  services: string[];
  mode: string;
}

/** One notice, as every format renders it; kept in the delivery row (no URL in it). */
export interface Notice {
  kind: NotificationKind;
  /** The audit event it tells of. */
  event: { key: string; type: string; at: string };
  runId: string | null;
  services: string[];
  runbook: string | null;
  step: string | null;
  message: string;
  /** The event's own facts worth a receiver's rule (verdict, alert kind, guard, check). */
  details: { [k: string]: Json };
}

type Data = { [k: string]: Json };

/**
 * The notice an event makes, or undefined when it makes none: a type that does not notify, a
 * readiness change to green, or a threshold alert its scheduled watcher already delivered itself.
 */
export function noticeOf(event: TrailEvent, run: RunFacts | undefined): Notice | undefined {
  const data: Data = event.data && typeof event.data === 'object' && !Array.isArray(event.data) ? event.data : {};
  const base = {
    event: { key: event.key, type: event.type, at: event.at.toISOString() },
    runId: event.runId,
    services: run?.services ?? [],
    runbook: run?.runbook ?? null,
    step: event.stepId,
  };
  const subject = run ? `${run.services.join(', ') || run.runbook}: run ${event.runId}` : `run ${event.runId}`;
  const step = event.stepId ? ` step "${event.stepId}"` : '';
  switch (event.type) {
    case 'step.waiting':
      return {
        ...base,
        kind: 'waiting',
        message: `${subject} waits for${step} to be confirmed (role ${text(data.role) ?? 'operator'})`,
        details: { waitingFor: 'manual', role: data.role ?? 'operator' },
      };
    case 'approval.requested':
      return {
        ...base,
        kind: 'waiting',
        message: `${subject} waits for approval of${step}: ${num(data.approvers) ?? 1} approver(s) with role ${text(data.role) ?? 'approver'}`,
        details: { waitingFor: 'approval', role: data.role ?? null, approvers: data.approvers ?? null },
      };
    case 'step.failed':
      return {
        ...base,
        kind: 'step-failed',
        message: `${subject}:${step} failed: ${text(data.error) ?? 'no error given'}`,
        details: { error: data.error ?? null, onFailure: data.onFailure ?? data.onTimeout ?? null },
      };
    case 'run.paused': {
      const on = data.guard !== undefined ? ` on guard "${text(data.guard)}"` : step ? ` on${step}` : '';
      return {
        ...base,
        kind: 'paused',
        message: `${subject} paused${on} for an operator's decision: ${text(data.error) ?? ''}`.trimEnd(),
        details: { error: data.error ?? null, ...(data.guard !== undefined ? { guard: data.guard } : {}) },
      };
    }
    case 'guard.violated':
      return {
        ...base,
        kind: 'guard-tripped',
        message: `${subject}: guard "${text(data.guard)}" tripped (${text(data.onViolation) ?? 'pause'}): ${text(data.error) ?? ''}`.trimEnd(),
        details: { guard: data.guard ?? null, error: data.error ?? null, onViolation: data.onViolation ?? null },
      };
    case 'readiness.changed': {
      if (data.ready !== false) return undefined;
      const failing = data.failing && typeof data.failing === 'object' && !Array.isArray(data.failing) ? (data.failing as Data) : undefined;
      const service = text(data.service);
      return {
        ...base,
        services: service ? [service] : [],
        runbook: text(data.runbook) ?? null,
        kind: 'readiness-red',
        message:
          `${service ?? 'a service'}: readiness of ${text(data.runbook) ?? 'its runbook'} turned red` +
          (failing ? `: check "${text(failing.check)}" failed` : ''),
        details: { planHash: data.planHash ?? null, since: data.since ?? null, failing: failing?.check ?? null },
      };
    }
    case 'alert.raised':
      // A scheduled run's watcher posts its alerts itself (`delivered: true`): never twice.
      if (data.delivered === true) return undefined;
      return {
        ...base,
        services: run?.services ?? (text(data.service) ? [text(data.service)!] : []),
        kind: 'alert',
        message: text(data.message) ?? `${subject}: ${text(data.kind)} alert`,
        details: { alert: data.kind ?? null, elapsedMs: data.elapsedMs ?? null, limitMs: data.limitMs ?? null },
      };
    default:
      if (!RUN_ENDS.includes(event.type)) return undefined;
      return {
        ...base,
        step: null,
        kind: 'ended',
        message:
          `${subject} ended ${event.type.slice('run.'.length)}, verdict ${text(data.verdict) ?? 'none'}` +
          (num(data.rtoMs) !== undefined ? `, RTO ${formatDuration(num(data.rtoMs)!)}` : '') +
          (num(data.rpoMs) !== undefined ? `, RPO ${formatDuration(num(data.rpoMs)!)}` : ''),
        details: { state: event.type.slice('run.'.length), verdict: data.verdict ?? null, rtoMs: data.rtoMs ?? null, rpoMs: data.rpoMs ?? null },
      };
  }
}

function text(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
