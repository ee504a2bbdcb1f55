/**
 * Activities of the human side of a run: notices to people (approval reminders, escalations) and the
 * guard watcher, one long-running heartbeating activity that probes every guard of a run until one is
 * violated (it then returns the violation) or the workflow cancels it (the run ended or aborts).
 *
 * Idempotent: a notice's audit event is keyed by the workflow (run/step/execution/notice) and written
 * once; a notice already recorded as sent is not sent again by a retried attempt.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { Database } from '../src/audit/database';
import { appendAuditEvents } from '../src/audit/append-events';
import { evaluate } from '../src/plan/expression';
import { FAILURES } from '../src/plan/failures';
import type { AdapterCall, Json, PlanGuard } from '../src/plan/types';
import { activityEnvironment, callAdapter } from './adapter-call';
import type { StepScope } from './step-types';
import { sleepUnlessAborted } from './abortable-sleep';

export interface HumanActivityDeps {
  db: Kysely<Database>;
  connections: Record<string, string>;
  workerIdentity: string;
}

export interface SendNoticeInput {
  runId: string;
  stepId: string;
  /** Idempotency key of the audit event that records the notice. */
  key: string;
  /** `approval.reminded`, `approval.escalated`. */
  type: string;
  call: AdapterCall;
  scope: StepScope;
  data: Json;
}

export interface WatchGuardsInput {
  runId: string;
  guards: PlanGuard[];
  scope: StepScope;
}

export interface GuardViolation {
  guardId: string;
  error: string;
  output: Json;
  probes: number;
}

/** A probe that errors this many times in a row counts as a violation: the guarded thing cannot be seen. */
const PROBE_ERRORS_BEFORE_VIOLATION = 3;
/** Heartbeat at least this often while sleeping between probes (the workflow's heartbeat timeout is 30 s). */
const HEARTBEAT_EVERY_MS = 5_000;

export function createHumanActivities(deps: HumanActivityDeps) {
  const { db } = deps;

  return {
    /** Sends one notice and records it. A notice already recorded under its key is not sent again. */
    async sendNotice(input: SendNoticeInput): Promise<Json> {
      const already = await db.selectFrom('audit_events').select('key').where('key', '=', input.key).executeTakeFirst();
      if (already) return { delivered: true, replayed: true };
      const output = await callAdapter(input.call, input.scope, activityEnvironment(deps.connections));
      await appendAuditEvents(db, [
        {
          key: input.key,
          runId: input.runId,
          type: input.type,
          stepId: input.stepId,
          actor: deps.workerIdentity,
          data: { adapter: input.call.adapter, ...(input.data as object), output },
        },
      ]);
      return output;
    },

    /**
     * Probes each guard every `everyMs` until one's expectation is false (or its probe failed
     * PROBE_ERRORS_BEFORE_VIOLATION times in a row); returns that violation. Runs until cancelled
     * otherwise: heartbeats carry the cancellation to it.
     */
    async watchGuards(input: WatchGuardsInput): Promise<GuardViolation> {
      const ctx = activityEnvironment(deps.connections);
      const nextDue = new Map(input.guards.map((g) => [g.id, 0]));
      const errorsInRow = new Map(input.guards.map((g) => [g.id, 0]));
      let probes = 0;
      for (;;) {
        for (const guard of input.guards) {
          if (Date.now() < nextDue.get(guard.id)!) continue;
          nextDue.set(guard.id, Date.now() + guard.everyMs);
          probes += 1;
          let output: Json = null;
          try {
            output = await callAdapter(guard.probe, input.scope, ctx);
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            const errors = errorsInRow.get(guard.id)! + 1;
            errorsInRow.set(guard.id, errors);
            if (errors >= PROBE_ERRORS_BEFORE_VIOLATION) {
              return { guardId: guard.id, error: `probe failed ${errors} times in a row: ${(err as Error).message}`, output: null, probes };
            }
            continue;
          }
          errorsInRow.set(guard.id, 0);
          let holds: boolean;
          try {
            holds = Boolean(evaluate(guard.expect, { ...input.scope, output }));
          } catch (err) {
            return { guardId: guard.id, error: `expect "${guard.expect.source}": ${(err as Error).message}`, output, probes };
          }
          if (!holds) {
            const text = JSON.stringify(output) ?? 'null';
            return { guardId: guard.id, error: `expectation "${guard.expect.source}" no longer holds; output: ${text.slice(0, 200)}`, output, probes };
          }
        }
        ctx.heartbeat({ probes });
        const soonest = Math.min(...nextDue.values()) - Date.now();
        await sleepUnlessAborted(Math.max(10, Math.min(soonest, HEARTBEAT_EVERY_MS)), ctx.signal);
      }
    },
  };
}

export type HumanActivities = ReturnType<typeof createHumanActivities>;

