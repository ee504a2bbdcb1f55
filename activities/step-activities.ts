/**
 * The step activities. Each action/check step is one activity that also writes its own audit events,
 * so a step costs one Temporal round trip. Idempotent: events are keyed run/step/execution/transition
 * and written once (`ON CONFLICT DO NOTHING` semantics in appendAuditEvents), and a step whose result
 * is already recorded as completed is never executed again — its recorded output is returned instead.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { Database } from '../src/audit/database';
import { appendAuditEventWith, appendAuditEvents, type AuditEventInput, type Projection } from '../src/audit/append-events';
import { recordRunEnded, recordRunStarted } from '../src/audit/runs';
import { getStepResult, getStepResults, recordCompletedStepSql, recordStepResult } from '../src/audit/step-results';
import { evaluate } from '../src/plan/expression';
import { FAILURES } from '../src/plan/failures';
import type { Json, Objectives } from '../src/plan/types';
import { activityEnvironment, callAdapter, type AdapterEnvironment } from './adapter-call';
import { outputSha256, pickEvidence } from '../src/audit/evidence';
import type {
  ExecuteActionInput,
  ExecuteSequenceInput,
  SequenceMemberResult,
  SequenceOutput,
  ProbeCheckInput,
  RunEndedInput,
  RunStartedInput,
  StepActivityResult,
  StepRef,
  StepScope,
  WorkflowAuditEvent,
} from './step-types';
import { describeFailure, probeUntilExpected } from './probe-until-expected';
import { WriteBehind } from './write-behind';

export interface StepActivityDeps {
  db: Kysely<Database>;
  /** Named PostgreSQL connections of this worker's site. */
  connections: Record<string, string>;
  /** Who runs the activities (worker identity), recorded with each step. */
  workerIdentity: string;
}

/** Heartbeat this often while an adapter runs: well inside the workflow's 10 s heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 2_000;

export function createStepActivities(deps: StepActivityDeps) {
  const { db } = deps;

  function eventKey(ref: StepRef, transition: string): string {
    return `${ref.runId}/${ref.stepId}/${ref.execution}/${transition}`;
  }

  /** The step_results key: a compensation is recorded beside the step it undoes. */
  function resultId(ref: StepRef, purpose: 'step' | 'compensate'): string {
    return purpose === 'compensate' ? `${ref.stepId}#compensate` : ref.stepId;
  }

  /**
   * Wraps one side effect with its audit trail: `started` (once per execution), `retried` (per
   * attempt after the first), then `completed` with the result row in one transaction, or
   * `attempt_failed` before rethrowing. A completed result short-circuits a repeated attempt.
   */
  async function auditedStep(
    ref: StepRef,
    purpose: 'step' | 'compensate',
    startData: Json,
    evidence: string[],
    body: (ctx: AdapterEnvironment) => Promise<{ output: Json; detail?: Record<string, Json> }>,
  ): Promise<StepActivityResult> {
    const attempt = Context.current().info.attempt;
    const subject = purpose === 'compensate' ? 'compensation' : 'step';
    const stepKey = resultId(ref, purpose);
    const startedAt = new Date();
    const startEvents: AuditEventInput[] = [
      stepEvent(ref, `${purpose}/started`, `${subject}.started`, startedAt, { execution: ref.execution, attempt, ...(startData as object) }),
    ];
    if (attempt > 1) {
      startEvents.push(stepEvent(ref, `${purpose}/attempt-${attempt}`, `${subject}.retried`, startedAt, { execution: ref.execution, attempt }));
    }
    // A first attempt writes `started` while it looks for a recorded result: one round trip of latency
    // instead of two. Harmless when a result exists: its execution's `started` is then already in the
    // trail, so the write is a skipped duplicate. A later attempt looks first, so that a step completed
    // by an earlier attempt gets no `retried` event.
    const [done] = await Promise.all([
      getStepResult(db, ref.runId, stepKey, ref.execution),
      attempt === 1 ? appendAuditEvents(db, startEvents) : undefined,
    ]);
    if (done && done.status === 'completed') {
      return {
        output: (done.output ?? null) as Json,
        startedAt: toIso(done.startedAt),
        endedAt: toIso(done.endedAt),
        attempt: done.attempts ?? attempt,
        replayed: true,
      };
    }
    if (attempt > 1) await appendAuditEvents(db, startEvents);

    const env = activityEnvironment(deps.connections);
    const beat = setInterval(() => env.heartbeat(), HEARTBEAT_EVERY_MS);
    let output: Json;
    let detail: Record<string, Json> = {};
    try {
      ({ output, detail = {} } = await body(env));
    } catch (err) {
      const failure = describeFailure(err);
      await appendAuditEvents(db, [
        stepEvent(ref, `${purpose}/attempt-${attempt}/failed`, purpose === 'compensate' ? 'compensation.failed' : 'step.attempt_failed', new Date(), {
          execution: ref.execution, attempt, error: failure.message, failureType: failure.type,
        }),
      ]);
      throw err;
    } finally {
      clearInterval(beat);
    }
    const endedAt = new Date();
    const durationMs = endedAt.getTime() - startedAt.getTime();
    const completed = { runId: ref.runId, stepId: stepKey, execution: ref.execution, attempts: attempt, startedAt, endedAt, output };
    // The event and the step result in one statement: one round trip, the run's chain locked only
    // for it (parallel steps of a run append to the same chain).
    await appendAuditEventWith(
      db,
      stepEvent(ref, `${purpose}/completed`, `${subject}.completed`, endedAt, {
        execution: ref.execution, attempt, durationMs, ...detail, evidence: pickEvidence(output, evidence), outputSha256: outputSha256(output ?? null),
      }),
      recordCompletedStepSql(completed),
      (trx) => recordStepResult(trx, { ...completed, status: 'completed', error: null }),
    );
    return { output, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), attempt, replayed: false };
  }

  function stepEvent(ref: StepRef, transition: string, type: string, at: Date, data: Json): AuditEventInput {
    return { key: eventKey(ref, transition), runId: ref.runId, type, stepId: ref.stepId, actor: deps.workerIdentity, at, data };
  }

  return {
    /** Runs an `action` or `notify` step (or a compensation) through its adapter. */
    async executeAction(input: ExecuteActionInput): Promise<StepActivityResult> {
      return auditedStep(
        input,
        input.purpose,
        { adapter: input.call.adapter, site: input.site ?? null },
        input.evidence,
        async (ctx) => ({ output: await callAdapter(input.call, input.scope, ctx) }),
      );
    },

    /** Runs a `check` (see probeUntilExpected). */
    async probeCheck(input: ProbeCheckInput): Promise<StepActivityResult> {
      return auditedStep(input, 'step', { adapter: input.probe.adapter, expect: input.expect.source, site: input.site ?? null }, input.evidence, (ctx) =>
        probeUntilExpected(input, input.scope, ctx),
      );
    },

    /**
     * Runs a `sequence`: its members back to back in this one activity, each as its step would run
     * alone (`when`, adapter call or polled check), with their audit events and step results written
     * behind them in order (see write-behind.ts) — no round trip between two members. A member
     * already completed in this execution (an earlier attempt) is not run again: its recorded output
     * is used. A member that fails without `onFailure: continue` ends the sequence with
     * `SequenceMemberFailed`, whose details say what each member did.
     */
    async executeSequence(input: ExecuteSequenceInput): Promise<StepActivityResult> {
      const ids = input.members.map((m) => m.id);
      return auditedStep(input, 'step', { kind: 'sequence', members: ids, site: input.site ?? null }, [], async (ctx) => {
        const attempt = Context.current().info.attempt;
        const recorded = await getStepResults(db, input.runId, ids, input.execution);
        const scope: StepScope = { ...input.scope, steps: { ...input.scope.steps } };
        const members: Record<string, SequenceMemberResult> = {};
        const writes = new WriteBehind();
        const finish = async <T>(value: T): Promise<T> => {
          await writes.drain();
          return value;
        };
        for (const member of input.members) {
          // Cancelled (the run is aborting) between two members: start no further side effect.
          if (ctx.signal.aborted) throw await finish(ApplicationFailure.nonRetryable(`cancelled before step "${member.id}"`, FAILURES.RunAborted));
          const ref: StepRef = { runId: input.runId, stepId: member.id, execution: input.execution };
          const done = recorded.get(member.id);
          if (done?.status === 'completed') {
            const output = (done.output ?? null) as Json;
            members[member.id] = { state: 'completed', output, startedAt: toIso(done.startedAt), endedAt: toIso(done.endedAt), attempt: done.attempts, replayed: true };
            scope.steps[member.id] = { output, status: 'completed' };
            continue;
          }
          if (member.when && !evaluate(member.when, scope)) {
            // The workflow records the skip, as for a step of its own.
            members[member.id] = { state: 'skipped', reason: `when "${member.when.source}" is false` };
            scope.steps[member.id] = { output: null, status: 'skipped' };
            continue;
          }
          const startedAt = new Date();
          const what: Record<string, Json> =
            member.kind === 'action' ? { adapter: member.action.adapter } : { adapter: member.probe.adapter, expect: member.expect.source };
          writes.push(() => appendAuditEvents(db, [stepEvent(ref, 'step/started', 'step.started', startedAt, { execution: ref.execution, attempt, sequence: input.stepId, ...what })]));
          try {
            const { output, detail = {} } =
              member.kind === 'action' ? { output: await callAdapter(member.action, scope, ctx) } : await probeUntilExpected(member, scope, ctx);
            const endedAt = new Date();
            const completed = { runId: ref.runId, stepId: member.id, execution: ref.execution, attempts: attempt, startedAt, endedAt, output };
            const data = { execution: ref.execution, attempt, durationMs: endedAt.getTime() - startedAt.getTime(), ...detail, evidence: pickEvidence(output, member.evidence), outputSha256: outputSha256(output ?? null) };
            writes.push(() =>
              appendAuditEventWith(db, stepEvent(ref, 'step/completed', 'step.completed', endedAt, data), recordCompletedStepSql(completed), (trx) =>
                recordStepResult(trx, { ...completed, status: 'completed', error: null }),
              ),
            );
            members[member.id] = { state: 'completed', output, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), attempt, replayed: false };
            scope.steps[member.id] = { output, status: 'completed' };
          } catch (err) {
            const failure = describeFailure(err);
            const endedAt = new Date();
            writes.push(() =>
              appendAuditEvents(db, [
                stepEvent(ref, `step/attempt-${attempt}/failed`, 'step.attempt_failed', endedAt, {
                  execution: ref.execution, attempt, error: failure.message, failureType: failure.type,
                }),
              ]),
            );
            members[member.id] = { state: 'failed', error: failure.message, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), attempt };
            scope.steps[member.id] = { output: null, status: 'failed' };
            if (member.onFailure === 'continue') continue;
            const details: SequenceOutput = { members };
            throw await finish(
              ApplicationFailure.create({
                message: `step "${member.id}": ${failure.message}`,
                type: FAILURES.SequenceMemberFailed,
                // A definitive failure of the member is one of the sequence: retrying would meet it again.
                nonRetryable: err instanceof ApplicationFailure && err.nonRetryable === true,
                details: [details as unknown as Json],
              }),
            );
          }
        }
        const output: SequenceOutput = { members };
        return finish({ output: output as unknown as Json });
      });
    },

    /** The given steps' completed results of one execution, as a sequence reports them (for an undo after a cancel). */
    async completedSteps(input: { runId: string; stepIds: string[]; execution: number }): Promise<SequenceOutput['members']> {
      const found = await getStepResults(db, input.runId, input.stepIds, input.execution);
      const members: SequenceOutput['members'] = {};
      for (const [id, r] of found) {
        if (r.status !== 'completed') continue;
        members[id] = { state: 'completed', output: (r.output ?? null) as Json, startedAt: toIso(r.startedAt), endedAt: toIso(r.endedAt), attempt: r.attempts, replayed: true };
      }
      return members;
    },

    /** Writes events only the workflow knows, in one batch (a local activity: no extra round trip). */
    async appendAuditEvents(events: WorkflowAuditEvent[]): Promise<void> {
      await appendAuditEvents(db, events.map(toAuditInput));
    },

    async recordRunStarted(input: RunStartedInput): Promise<void> {
      // The row is written with its event, in one transaction: `audit verify` checks each runs row
      // against its run.started, so a row must never exist without the event (or the reverse).
      const project: Projection = (trx) =>
        recordRunStarted(trx, { ...input, objectives: input.objectives as Objectives, startedAt: new Date(input.startedAt) });
      await appendAuditEvents(db, [
        {
          key: `${input.runId}/-/run/started`,
          runId: input.runId,
          type: 'run.started',
          actor: input.initiator,
          at: new Date(input.startedAt),
          data: {
            runbook: input.runbookName,
            runbookVersion: input.runbookVersion,
            planHash: input.planHash,
            mode: input.mode,
            params: input.params,
            services: input.services,
            reason: input.reason,
            temporalRunId: input.temporalRunId,
          },
        },
      ], project);
    },

    async recordRunEnded(input: RunEndedInput): Promise<void> {
      const events = input.events.map(toAuditInput);
      // Whole milliseconds, rounded up (the runs row holds bigints; a runbook's RPO may be fractional,
      // e.g. an upper bound computed from timestamps): against a whole-millisecond objective the
      // verdict is the same, and a loss of 0.4 ms is not recorded as none.
      const rtoMs = wholeMs(input.rtoMs);
      const rpoMs = wholeMs(input.rpoMs);
      events.push({
        key: `${input.runId}/-/run/ended`,
        runId: input.runId,
        type: `run.${input.state}`,
        actor: 'drillbook',
        at: new Date(input.endedAt),
        data: { state: input.state, verdict: input.verdict, rtoMs, rpoMs, ...(input.campaign !== undefined ? { campaign: input.campaign } : {}) },
      });
      await appendAuditEvents(db, events, async (trx) => {
        await recordRunEnded(trx, {
          runId: input.runId,
          status: input.state,
          verdict: input.verdict,
          endedAt: new Date(input.endedAt),
          rtoMs,
          rpoMs,
        });
      });
    },
  };
}

function wholeMs(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.ceil(ms);
}

export type StepActivities = ReturnType<typeof createStepActivities>;

function toAuditInput(e: WorkflowAuditEvent): AuditEventInput {
  return { key: e.key, runId: e.runId, type: e.type, stepId: e.stepId ?? null, actor: e.actor, at: new Date(e.at), data: e.data };
}

function toIso(value: Date | string | null | undefined): string {
  if (!value) return new Date(0).toISOString();
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}


