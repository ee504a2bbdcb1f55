/**
 * `runDrill`: the one generic workflow that interprets a pinned plan. Deterministic: no I/O, no clock
 * but the workflow's, steps started in plan order. Each action/check step is ONE activity that writes
 * its own audit events (idempotently, keyed run/step/execution/transition); what only the workflow
 * knows (skips, waits, failures after retries, decisions, the outcome) is queued and written in
 * batches by a local activity, so the audit trail costs no extra Temporal round trip per step.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { StepActivities } from '../activities/step-activities';
import type { StepActivityResult, StepScope, WorkflowAuditEvent } from '../activities/step-types';
import { evaluate } from '../src/plan/expression';
import { computeObjectives } from '../src/plan/objectives';
import type { Json, PlanStep, RunInput } from '../src/plan/types';
import { FAILURES } from '../src/plan/failures';
import {
  abortRun,
  decideOnFailure,
  getProgress,
  type AbortRunInput,
  type DecideOnFailureInput,
  type RunProgress,
  type RunResult,
  type StepProgress,
} from './messages';
import { siteTaskQueue } from '../src/plan/task-queues';

/** A step's activity must heartbeat this often, so a killed worker's activity is retried soon. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Steps without a `timeout`: long enough for a slow infrastructure API, short enough to notice. */
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** A check without its own timeout gets its polling budget plus this grace for the last probe. */
const CHECK_GRACE_MS = 30_000;

const auditWriter = proxyLocalActivities<StepActivities>({
  // Local: a batch of audit rows is a few ms of SQL; a regular activity would cost a round trip.
  startToCloseTimeout: '30s',
  // The audit trail must not lose an event: retry until the database answers (writes are idempotent).
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

export async function runDrill(input: RunInput): Promise<RunResult> {
  return new DrillRun(input).execute();
}

class DrillRun {
  private readonly runId = workflowInfo().workflowId;
  private readonly progress = new Map<string, StepProgress>();
  private readonly results = new Map<string, StepActivityResult>();
  /** Steps with a `compensate`, in order of completion: unwound in reverse on abort. */
  private readonly undoStack: PlanStep[] = [];
  private readonly awaitingDecision = new Map<string, string>();
  private readonly decisions = new Map<string, DecideOnFailureInput>();
  private readonly active = new Set<string>();
  private readonly stepScope = new CancellationScope();
  private readonly queue: WorkflowAuditEvent[] = [];
  /** Set when the run ends: the flush loop drains what is queued and stops. */
  private closing = false;
  private flushed?: Promise<void>;
  private abortRequest?: AbortRunInput;
  private state: RunProgress['state'] = 'running';
  private readonly startedAt = new Date().toISOString();
  private endedAt?: string;
  private objectives: { rtoMs?: number; rpoMs?: number } = {};

  constructor(private readonly input: RunInput) {
    for (const step of input.plan.steps) {
      this.progress.set(step.id, {
        id: step.id,
        title: step.title,
        kind: step.kind,
        phase: step.phase,
        state: 'pending',
        execution: 0,
        attempts: 0,
      });
    }
  }

  async execute(): Promise<RunResult> {
    this.registerHandlers();
    const { plan, planHash, mode, params, initiator, reason } = this.input;
    await auditWriter.recordRunStarted({
      runId: this.runId,
      temporalRunId: workflowInfo().runId,
      runbookName: plan.runbook.name,
      runbookVersion: plan.runbook.version,
      planHash,
      plan: plan as unknown as Json,
      mode,
      params,
      services: plan.services,
      objectives: plan.objectives as Json,
      initiator,
      reason,
      startedAt: this.startedAt,
    });
    this.flushed = this.flushLoop();

    while (!this.abortRequest) {
      for (const step of plan.steps) {
        if (this.progress.get(step.id)!.state === 'pending' && this.isReady(step)) this.launch(step);
      }
      if (this.active.size === 0) break;
      await condition(() => this.readyChanged || this.abortRequest !== undefined);
      this.readyChanged = false;
    }

    if (this.abortRequest) await this.unwind();
    return this.finish();
  }

  private readyChanged = false;

  private registerHandlers(): void {
    setHandler(getProgress, () => this.snapshot());
    setHandler(
      decideOnFailure,
      (decision) => {
        this.decisions.set(decision.stepId, decision);
        this.readyChanged = true;
      },
      {
        // Synchronous: a refused decision never lands in history.
        validator: (decision) => {
          if (this.endedAt || this.state === 'aborting') throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
          if (!this.awaitingDecision.has(decision.stepId)) {
            const waiting = [...this.awaitingDecision.keys()];
            throw ApplicationFailure.nonRetryable(
              `step "${decision.stepId}" is not waiting for a decision` +
                (waiting.length ? ` (waiting: ${waiting.join(', ')})` : ' (no step is waiting)'),
              FAILURES.NoDecisionPending,
            );
          }
          if (!['retry', 'skip', 'abort'].includes(decision.decision)) {
            throw ApplicationFailure.nonRetryable(`decision must be retry, skip or abort`, FAILURES.InvalidDecision);
          }
          if (decision.decision === 'skip' && !decision.reason?.trim()) {
            throw ApplicationFailure.nonRetryable('skip needs a reason', FAILURES.InvalidDecision);
          }
          if (!decision.actor?.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
        },
      },
    );
    setHandler(
      abortRun,
      (request) => {
        this.requestAbort(request);
      },
      {
        validator: (request) => {
          if (this.endedAt || this.abortRequest) throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
          if (!request.reason?.trim()) throw ApplicationFailure.nonRetryable('abort needs a reason', FAILURES.InvalidDecision);
          if (!request.actor?.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
        },
      },
    );
  }

  /** A step may start when each need has completed, was skipped, or failed with `onFailure: continue`. */
  private isReady(step: PlanStep): boolean {
    return step.needs.every((id) => {
      const need = this.progress.get(id)!;
      if (this.active.has(id)) return false;
      if (need.state === 'completed' || need.state === 'skipped') return true;
      const needStep = this.input.plan.steps.find((s) => s.id === id)!;
      return need.state === 'failed' && needStep.onFailure === 'continue';
    });
  }

  private launch(step: PlanStep): void {
    this.active.add(step.id);
    void this.stepScope
      .run(() => this.runStep(step))
      .catch(() => undefined) // every failure is handled in runStep; cancellation ends here
      .finally(() => {
        this.active.delete(step.id);
        this.readyChanged = true;
      });
  }

  private async runStep(step: PlanStep): Promise<void> {
    const p = this.progress.get(step.id)!;
    if (step.when) {
      let run: boolean;
      try {
        run = Boolean(evaluate(step.when, this.scope(step)));
      } catch (err) {
        return this.onStepFailed(step, `when: ${message(err)}`);
      }
      if (!run) {
        p.state = 'skipped';
        p.skipReason = `when "${step.when.source}" is false`;
        this.record('step.skipped', step.id, 'drillbook', { reason: p.skipReason }, `${p.execution}/skipped`);
        return;
      }
    }
    p.execution += 1;
    p.state = 'running';
    p.attempts = 1;
    p.startedAt = new Date().toISOString();
    try {
      const result = await this.perform(step, p.execution);
      this.results.set(step.id, result);
      p.state = 'completed';
      p.attempts = result.attempt;
      p.startedAt = result.startedAt;
      p.endedAt = result.endedAt;
      p.outputSummary = summarize(result.output);
      if (step.compensate) this.undoStack.push(step);
    } catch (err) {
      if (isCancellation(err)) {
        p.state = 'cancelled';
        p.endedAt = new Date().toISOString();
        this.record('step.cancelled', step.id, 'drillbook', { reason: this.abortRequest?.reason ?? 'cancelled' }, `${p.execution}/cancelled`);
        throw err;
      }
      await this.onStepFailed(step, message(err));
    }
  }

  /** The one Temporal round trip of a step (a timer for `wait`). */
  private async perform(step: PlanStep, execution: number): Promise<StepActivityResult> {
    const ref = { runId: this.runId, stepId: step.id, execution };
    switch (step.kind) {
      case 'action':
      case 'notify':
        return this.activities(step).executeAction({
          ...ref,
          purpose: 'step',
          call: step.kind === 'action' ? step.action : step.notify,
          scope: this.scope(step),
          evidence: step.evidence,
          site: step.site,
        });
      case 'check':
        return this.activities(step).probeCheck({
          ...ref,
          probe: step.probe,
          expect: step.expect,
          until: step.until,
          scope: this.scope(step),
          evidence: step.evidence,
          site: step.site,
        });
      case 'wait': {
        const startedAt = new Date().toISOString();
        this.record('step.started', step.id, 'drillbook', { kind: 'wait', durationMs: step.durationMs }, `${execution}/started`);
        await sleep(step.durationMs);
        const endedAt = new Date().toISOString();
        this.record('step.completed', step.id, 'drillbook', { kind: 'wait', durationMs: step.durationMs }, `${execution}/completed`);
        return { output: { waitedMs: step.durationMs }, startedAt, endedAt, attempt: 1, replayed: false };
      }
      case 'manual':
      case 'approval':
        // Human steps enter through the operator API (a later issue); until then a plan with one
        // fails that step clearly instead of waiting for a message nobody can send.
        throw ApplicationFailure.nonRetryable(
          `${step.kind} steps are not supported by this version of drillbook yet`,
          FAILURES.StepKindUnsupported,
        );
      default: {
        const unknown: never = step;
        throw ApplicationFailure.nonRetryable(`unknown step kind ${(unknown as PlanStep).kind}`, FAILURES.StepKindUnsupported);
      }
    }
  }

  private activities(step: PlanStep): StepActivities {
    const timeoutMs =
      step.timeoutMs ??
      (step.kind === 'check' && step.until ? step.until.withinMs + CHECK_GRACE_MS : DEFAULT_STEP_TIMEOUT_MS);
    return proxyActivities<StepActivities>({
      taskQueue: step.site ? siteTaskQueue(step.site) : this.input.taskQueue,
      startToCloseTimeout: timeoutMs,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      retry: {
        maximumAttempts: step.retry.maxAttempts,
        initialInterval: step.retry.initialIntervalMs,
        backoffCoefficient: step.retry.backoffCoefficient,
        maximumInterval: step.retry.maxIntervalMs,
      },
    });
  }

  /** After its retries a step failed: follow `onFailure` (the default pauses for an operator). */
  private async onStepFailed(step: PlanStep, error: string): Promise<void> {
    const p = this.progress.get(step.id)!;
    p.state = 'failed';
    p.error = error;
    p.endedAt = new Date().toISOString();
    this.record('step.failed', step.id, 'drillbook', { error, onFailure: step.onFailure }, `${p.execution}/failed`);
    if (step.onFailure === 'continue') return;
    if (step.onFailure === 'abort') {
      this.requestAbort({ reason: `step "${step.id}" failed: ${error}`, actor: 'drillbook' });
      return;
    }
    this.awaitingDecision.set(step.id, error);
    this.state = 'paused';
    this.record('run.paused', step.id, 'drillbook', { error }, `${p.execution}/paused`);
    await condition(() => this.decisions.has(step.id) || this.abortRequest !== undefined);
    this.awaitingDecision.delete(step.id);
    if (this.awaitingDecision.size === 0 && !this.abortRequest) this.state = 'running';
    const decision = this.decisions.get(step.id);
    this.decisions.delete(step.id);
    if (!decision) return; // aborted while waiting
    this.record(
      'decision.applied',
      step.id,
      decision.actor,
      { decision: decision.decision, reason: decision.reason ?? null },
      `${p.execution}/decision`,
    );
    if (decision.decision === 'retry') {
      p.error = undefined;
      p.endedAt = undefined;
      return this.runStep(step);
    }
    if (decision.decision === 'skip') {
      p.state = 'skipped';
      p.skipReason = `skipped by ${decision.actor}: ${decision.reason}`;
      return;
    }
    this.requestAbort({ reason: decision.reason?.trim() || `abort decided on step "${step.id}"`, actor: decision.actor });
  }

  private requestAbort(request: AbortRunInput): void {
    if (this.abortRequest) return;
    this.abortRequest = request;
    this.state = 'aborting';
    this.record('run.abort_requested', undefined, request.actor, { reason: request.reason }, 'abort');
    this.stepScope.cancel();
  }

  /** Runs every completed step's undo in reverse order of completion; one failure never skips the rest. */
  private async unwind(): Promise<void> {
    await condition(() => this.active.size === 0);
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.undoStack].reverse()) {
        const p = this.progress.get(step.id)!;
        try {
          await this.activities(step).executeAction({
            runId: this.runId,
            stepId: step.id,
            execution: p.execution,
            purpose: 'compensate',
            call: step.compensate!,
            scope: this.scope(step),
            evidence: ['*'],
            site: step.site,
          });
          p.compensation = 'completed';
        } catch {
          // The activity recorded compensation.failed with its error; the others still run.
          p.compensation = 'failed';
        }
      }
    });
  }

  private async finish(): Promise<RunResult> {
    const failed = [...this.progress.values()].filter((p) => p.state === 'failed');
    const decidedSkips = [...this.progress.values()].filter((p) => p.skipReason?.startsWith('skipped by'));
    const state: RunResult['state'] = this.abortRequest ? 'aborted' : 'completed';
    this.objectives = computeObjectives(this.input.plan, this.results);
    const missed =
      (this.objectives.rtoMs !== undefined && this.input.plan.objectives.rtoMs !== undefined && this.objectives.rtoMs > this.input.plan.objectives.rtoMs) ||
      (this.objectives.rpoMs !== undefined && this.input.plan.objectives.rpoMs !== undefined && this.objectives.rpoMs > this.input.plan.objectives.rpoMs);
    const verdict: RunResult['verdict'] =
      state === 'aborted' || missed ? 'fail' : failed.length || decidedSkips.length ? 'partial' : 'pass';
    this.state = state;
    this.endedAt = new Date().toISOString();
    // Every queued event lands before the outcome, so the outcome is the chain's last link.
    this.closing = true;
    await this.flushed;
    await auditWriter.recordRunEnded({
      runId: this.runId,
      state,
      verdict,
      rtoMs: this.objectives.rtoMs,
      rpoMs: this.objectives.rpoMs,
      endedAt: this.endedAt,
      events: this.queue.splice(0),
    });
    const steps: RunResult['steps'] = {};
    for (const p of this.progress.values()) {
      steps[p.id] = { state: p.state, output: this.results.get(p.id)?.output, error: p.error };
    }
    return { state, verdict, rtoMs: this.objectives.rtoMs, rpoMs: this.objectives.rpoMs, steps };
  }

  /** What a step's templates and `when` may read: only the outputs of the steps it reads. */
  private scope(step: PlanStep): StepScope {
    const steps: StepScope['steps'] = {};
    for (const id of step.reads) {
      const p = this.progress.get(id);
      steps[id] = { output: this.results.get(id)?.output ?? null, status: p?.state ?? 'pending' };
    }
    return { mode: this.input.mode, params: this.input.params, steps };
  }

  private record(type: string, stepId: string | undefined, actor: string, data: Json, transition: string): void {
    this.queue.push({
      key: `${this.runId}/${stepId ?? '-'}/${transition}`,
      runId: this.runId,
      type,
      stepId,
      actor,
      at: new Date().toISOString(),
      data,
    });
  }

  /** Writes queued workflow events in batches (whatever accumulated meanwhile); drains and ends on close. */
  private async flushLoop(): Promise<void> {
    for (;;) {
      await condition(() => this.queue.length > 0 || this.closing);
      if (this.queue.length === 0) return;
      await auditWriter.appendAuditEvents(this.queue.splice(0));
    }
  }

  private snapshot(): RunProgress {
    const first = [...this.awaitingDecision.entries()][0];
    return {
      runId: this.runId,
      runbook: this.input.plan.runbook.name,
      planHash: this.input.planHash,
      mode: this.input.mode,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      awaitingDecision: first ? { stepId: first[0], error: first[1] } : undefined,
      steps: [...this.progress.values()].map((p) => ({ ...p })),
      rtoMs: this.objectives.rtoMs,
      rpoMs: this.objectives.rpoMs,
    };
  }
}

function message(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { cause?: unknown; message?: string };
    // An ActivityFailure wraps the ApplicationFailure that says what went wrong.
    if (e.cause && typeof e.cause === 'object' && 'message' in e.cause) return message(e.cause);
    if (e.message) return e.message;
  }
  return String(err);
}

function summarize(output: Json): string {
  // An HTTP answer's body says more than its status line and headers.
  const shown = output && typeof output === 'object' && !Array.isArray(output) && 'json' in output ? output.json : output;
  const text = JSON.stringify(shown) ?? 'null';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
