/**
 * `runDrill`: the one generic workflow that interprets a pinned plan. Deterministic: no I/O, no clock
 * but the workflow's, steps started in plan order. Each action/check step is ONE activity that writes
 * its own audit events (idempotently, keyed run/step/execution/transition); what only the workflow
 * knows (skips, waits, failures after retries, decisions, the outcome) is queued and written in
 * batches by a local activity, so the audit trail costs no extra Temporal round trip per step.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { StepActivities } from '../activities/step-activities';
import type { GuardViolation, HumanActivities } from '../activities/human-activities';
import type { SequenceMemberResult, SequenceOutput, StepActivityResult, StepScope, WorkflowAuditEvent } from '../activities/step-types';
import { evaluate } from '../src/plan/expression';
import { computeObjectives } from '../src/plan/objectives';
import type { AdapterCall, ApprovalStep, Json, ManualStep, PlanGuard, PlanStep, RunInput, SequenceMember, SequenceStep } from '../src/plan/types';
import { FAILURES } from '../src/plan/failures';
import { verifyAction, type ActionAuth, type SignedActionName, type TrustedKey } from '../src/plan/signed-actions';
import {
  abortRun,
  approveStep,
  confirmStep,
  decideOnFailure,
  getProgress,
  type AbortRunInput,
  type ApproveStepInput,
  type ConfirmStepInput,
  type DecideOnFailureInput,
  type HumanWait,
  type RunProgress,
  type RunResult,
  type StepProgress,
} from './messages';
import { siteTaskQueue } from '../src/plan/task-queues';
import { checkApproval, checkConfirm } from './human-requests';
import { failureType, message, sequenceFailureMembers } from './step-failures';
import { SIGNED_ACTIONS_PATCH, verifiedStart } from './start-verification';

/** A step's activity must heartbeat this often, so a killed worker's activity is retried soon. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Steps without a `timeout`: long enough for a slow infrastructure API, short enough to notice. */
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** A check without its own timeout gets its polling budget plus this grace for the last probe. */
const CHECK_GRACE_MS = 30_000;

/**
 * Manual and approval steps wait for people (before this patch they failed as unsupported). Patched so
 * that a run started by an older worker, paused on such a failure, replays as it ran. Remove once no
 * run started before 2026-11 is open.
 */
const HUMAN_STEPS_PATCH = 'human-steps-2026-11';
/**
 * A step with a compensation, cancelled by an abort while its activity ran, is waited for and its
 * recorded result read back, so that a side effect it completed is undone too. Patched so that runs
 * aborted before this replay as they ran.
 */
const UNDO_CANCELLED_PATCH = 'undo-cancelled-steps-2026-11';
/**
 * Abort unwinds only once the audit queue is written and no batch is in flight. A step's activity
 * cancelled without waiting (TRY_CANCEL) is resolved by the worker itself, not by an event: in the
 * original run the compensations were scheduled while a batch (a local activity) still ran, but on
 * replay its recorded result arrives in the same activation as the cancellation, so the next batch
 * was scheduled first and the activity ids shifted (nondeterminism). After this barrier the order of
 * commands no longer depends on when a local activity completes. Patched: runs started before keep
 * their order (those aborted mid-step that way cannot replay under any code; see the report).
 */
const ABORT_FLUSH_BARRIER_PATCH = 'abort-flush-barrier-2026-12';
/** Decision keys of guard violations: `guard:<id>`, never a step id (step ids have no colon). */
const GUARD_KEY_PREFIX = 'guard:';

const noticeSender = proxyActivities<HumanActivities>({
  // A webhook answers in seconds; a notice that cannot be delivered is recorded, not fatal.
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

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
  /** Steps cancelled by an abort while they ran whose completed work must be read back before unwinding. */
  private readonly cancelledSteps: Array<{ step: PlanStep; execution: number }> = [];
  /** Steps whose activities wait for a cancellation to complete (see UNDO_CANCELLED_PATCH). */
  private readonly waitsForCancel = new Set<string>();
  /** Steps with a `compensate`, in order of completion: unwound in reverse on abort. */
  private readonly undoStack: PlanStep[] = [];
  private readonly awaitingDecision = new Map<string, string>();
  private readonly decisions = new Map<string, DecideOnFailureInput>();
  private readonly active = new Set<string>();
  private readonly stepScope = new CancellationScope();
  private readonly queue: WorkflowAuditEvent[] = [];
  /** Set when the run ends: the flush loop drains what is queued and stops. */
  private closing = false;
  /** A batch of the queue is being written (a local activity in flight). */
  private flushing = false;
  /** Whether abort waits for the audit queue before unwinding (ABORT_FLUSH_BARRIER_PATCH). */
  private flushBarrier = false;
  private flushed?: Promise<void>;
  private abortRequest?: AbortRunInput;
  private state: RunProgress['state'] = 'running';
  private readonly startedAt = new Date().toISOString();
  private endedAt?: string;
  private objectives: { rtoMs?: number; rpoMs?: number } = {};
  /** Manual and approval steps waiting for people, by step id. */
  private readonly humanWaits = new Map<string, HumanWait>();
  private readonly confirmations = new Map<string, ConfirmStepInput>();
  private readonly approvals = new Map<string, ApproveStepInput[]>();
  private readonly decisionSince = new Map<string, string>();
  private readonly guardStates = new Map<string, { state: 'watching' | 'violated' | 'ignored'; error?: string }>();
  private guardScope?: CancellationScope;
  /** Whether this run verifies signatures (SIGNED_ACTIONS_PATCH): always, but for runs started before it. */
  private signed = false;
  /** The front door keys this run's worker trusted at its start (undefined until then). */
  private trustedKeys?: TrustedKey[];
  /** Request ids of the signed actions accepted so far: a second use of one is a replay. */
  private readonly acceptedRequests = new Set<string>();

  constructor(private readonly input: RunInput) {
    // A sequence's members are run by their sequence, never launched on their own.
    this.unlaunched = input.plan.steps.filter((step) => !step.sequence);
    this.stepsById = new Map(input.plan.steps.map((step) => [step.id, step]));
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
    // A run verifies the front door's signature of its start and of every person's action, with the
    // keys its worker trusts. Patched so that runs started before (unsigned actions in their history)
    // replay as they ran; every new run takes it. Decided before any handler can run, so no Update is
    // ever validated on the wrong path.
    this.signed = patched(SIGNED_ACTIONS_PATCH);
    this.flushBarrier = patched(ABORT_FLUSH_BARRIER_PATCH);
    this.registerHandlers();
    if (this.signed) await this.verifyOwnStart();
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
    if (plan.guards?.length) void this.watchGuards(plan.guards);

    while (!this.abortRequest) {
      // A guard's violation holds new steps until an operator decides (plans without guards never hold).
      const held = this.guardHeld();
      if (!held) {
        // Only steps not yet launched are scanned, in plan order: a 500-step fan-out launches all of
        // them on the first pass and never scans them again (the order of commands is unchanged).
        const ready: PlanStep[] = [];
        this.unlaunched = this.unlaunched.filter((step) => {
          if (this.progress.get(step.id)!.state !== 'pending') return false;
          if (!this.isReady(step)) return true;
          this.active.add(step.id);
          ready.push(step);
          return false;
        });
        if (ready.length) this.launch(ready);
      }
      if (this.active.size === 0 && !held) break;
      await condition(() => this.readyChanged || this.abortRequest !== undefined);
      this.readyChanged = false;
    }

    if (this.abortRequest) await this.unwind();
    return this.finish();
  }

  private readyChanged = false;
  /** Steps not launched yet, in plan order. */
  private unlaunched: PlanStep[];
  private readonly stepsById: Map<string, PlanStep>;

  /** Learns the trusted keys and verifies the start (a start that does not verify ends the run here). */
  private async verifyOwnStart(): Promise<void> {
    this.trustedKeys = await verifiedStart(this.runId, this.input);
    const auth = this.input.auth;
    if (auth?.kind === 'action') this.acceptedRequests.add(auth.requestId);
  }

  /**
   * The first check of every Update's validator: signed by a trusted key, for this run and action (the
   * step and every field are inside the signature), and never accepted before. A refusal is logged by
   * the worker (the caller went around the API, which records its own refusals) and never enters the
   * run's history or trail.
   */
  private checkSigned(action: SignedActionName, request: unknown): void {
    if (!this.signed) return;
    if (!this.trustedKeys) throw ApplicationFailure.nonRetryable('the run has not begun yet', FAILURES.RunNotActive);
    let refusal = verifyAction(this.trustedKeys, action, this.runId, request, Date.now());
    const requestId = (request as { auth?: ActionAuth } | undefined)?.auth?.requestId;
    if (!refusal && requestId !== undefined && this.acceptedRequests.has(requestId)) refusal = `request ${requestId} was already accepted (a replay)`;
    if (!refusal) return;
    const claimed = request && typeof request === 'object' ? (request as { actor?: unknown; stepId?: unknown }) : {};
    // The workflow logger adds the workflow id, run id and update id.
    log.warn('drillbook: refused an action that the front door did not sign', {
      action,
      refusal,
      claimedActor: String(claimed.actor ?? '').slice(0, 100),
      stepId: String(claimed.stepId ?? '').slice(0, 100),
    });
    throw ApplicationFailure.nonRetryable(`${action} refused: ${refusal}`, FAILURES.ActionNotSigned);
  }

  /** Remembers an accepted action's request id (in the handler: it runs again on replay, so the set is rebuilt). */
  private accepted(request: { auth?: ActionAuth }): void {
    if (this.signed && request.auth?.requestId) this.acceptedRequests.add(request.auth.requestId);
  }

  private registerHandlers(): void {
    setHandler(getProgress, () => this.snapshot());
    setHandler(
      decideOnFailure,
      (decision) => {
        this.accepted(decision);
        this.decisions.set(decision.stepId, decision);
        this.readyChanged = true;
      },
      {
        // Synchronous: a refused decision never lands in history.
        validator: (decision) => {
          this.checkSigned('decide', decision);
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
      confirmStep,
      (request) => {
        this.accepted(request);
        this.confirmations.set(request.stepId, request);
      },
      // Synchronous: a refused confirm never lands in history. Roles are checked at the API entry.
      { validator: (request) => this.validateConfirm(request) },
    );
    setHandler(
      approveStep,
      (request) => {
        this.accepted(request);
        const granted = this.approvals.get(request.stepId) ?? [];
        granted.push(request);
        this.approvals.set(request.stepId, granted);
        const wait = this.humanWaits.get(request.stepId);
        if (wait) wait.approvedBy = granted.map((a) => a.actor);
        const p = this.progress.get(request.stepId)!;
        this.record(
          'approval.granted',
          request.stepId,
          request.actor,
          { comment: request.comment ?? null, count: granted.length, needed: wait?.approvalsNeeded ?? null, ...signedRequest(request) },
          `${p.execution}/approval/${request.actor}`,
        );
      },
      { validator: (request) => this.validateApproval(request) },
    );
    setHandler(
      abortRun,
      (request) => {
        this.accepted(request);
        this.requestAbort(request);
      },
      {
        validator: (request) => {
          this.checkSigned('abort', request);
          if (this.endedAt || this.abortRequest) throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
          if (!request.reason?.trim()) throw ApplicationFailure.nonRetryable('abort needs a reason', FAILURES.InvalidDecision);
          if (!request.actor?.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
        },
      },
    );
  }

  private refuseIfInactive(): void {
    if (this.endedAt || this.abortRequest || this.state === 'aborting') {
      throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
    }
  }

  private waitingOf(stepId: unknown, kind: 'manual' | 'approval'): HumanWait {
    const wait = typeof stepId === 'string' ? this.humanWaits.get(stepId) : undefined;
    if (wait && wait.kind === kind) return wait;
    const waiting = [...this.humanWaits.values()].filter((w) => w.kind === kind).map((w) => w.stepId);
    throw ApplicationFailure.nonRetryable(
      `step "${String(stepId)}" is not a ${kind} step waiting for people` +
        (waiting.length ? ` (waiting: ${waiting.join(', ')})` : ` (no ${kind} step is waiting)`),
      FAILURES.StepNotWaiting,
    );
  }

  private validateConfirm(request: ConfirmStepInput): void {
    this.checkSigned('confirm', request);
    this.refuseIfInactive();
    checkConfirm(this.waitingOf(request?.stepId, 'manual'), request);
  }

  private validateApproval(request: ApproveStepInput): void {
    this.checkSigned('approve', request);
    this.refuseIfInactive();
    const wait = this.waitingOf(request?.stepId, 'approval');
    checkApproval(wait, request, this.approvals.get(wait.stepId) ?? [], this.input.initiator);
  }

  /** A step may start when each need has completed, was skipped, or failed with `onFailure: continue`. */
  private isReady(step: PlanStep): boolean {
    return step.needs.every((id) => {
      const need = this.progress.get(id)!;
      if (this.active.has(id)) return false;
      if (need.state === 'completed' || need.state === 'skipped') return true;
      const needStep = this.stepsById.get(id)!;
      return need.state === 'failed' && needStep.onFailure === 'continue';
    });
  }

  /**
   * Starts steps (already marked active) in plan order, all in ONE run of the step scope so that
   * abort's cancel() reaches their activities: each promise in workflow code costs the SDK a stack
   * capture, so a step gets no scope run and no catch/finally chain of its own.
   */
  private launch(steps: PlanStep[]): void {
    void this.stepScope.run(async () => {
      for (const step of steps) {
        const done = () => {
          this.active.delete(step.id);
          this.readyChanged = true;
        };
        // Every failure is handled in runStep; cancellation ends here.
        void this.runStep(step).then(done, done);
      }
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
        if (step.kind === 'sequence') this.skipUnfinishedMembers(step, `its sequence "${step.id}" was skipped`, true);
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
      if (step.kind === 'sequence') this.applyMembers(step, p.execution, (result.output as unknown as SequenceOutput).members);
      p.state = 'completed';
      p.attempts = result.attempt;
      p.startedAt = result.startedAt;
      p.endedAt = result.endedAt;
      // p.outputSummary is computed when the progress is queried (snapshot), not per step.
      if (step.compensate) this.undoStack.push(step);
    } catch (err) {
      if (isCancellation(err)) {
        p.state = 'cancelled';
        p.endedAt = new Date().toISOString();
        this.record('step.cancelled', step.id, 'drillbook', { reason: this.abortRequest?.reason ?? 'cancelled' }, `${p.execution}/cancelled`);
        if (this.waitsForCancel.has(step.id)) this.cancelledSteps.push({ step, execution: p.execution });
        throw err;
      }
      if (step.kind === 'approval' && step.onTimeout === 'abort' && failureType(err) === FAILURES.ApprovalTimedOut) {
        // The runbook said so: no operator decision, the run aborts.
        p.state = 'failed';
        p.error = message(err);
        p.endedAt = new Date().toISOString();
        this.record('step.failed', step.id, 'drillbook', { error: p.error, onTimeout: 'abort' }, `${p.execution}/failed`);
        this.requestAbort({ reason: `approval "${step.id}" timed out`, actor: 'drillbook' });
        return;
      }
      if (step.kind === 'sequence') this.applyMembers(step, p.execution, sequenceFailureMembers(err));
      await this.onStepFailed(step, message(err));
    }
  }

  /** What a sequence's members did (see executeSequence), as if each had run as a step of its own. */
  private applyMembers(step: SequenceStep, execution: number, members: SequenceOutput['members'] | undefined): void {
    for (const id of step.members) {
      const r = members?.[id];
      if (!r) continue;
      const p = this.progress.get(id)!;
      p.execution = execution;
      if (r.state === 'skipped') {
        p.state = 'skipped';
        p.skipReason = r.reason;
        this.record('step.skipped', id, 'drillbook', { reason: r.reason, sequence: step.id }, `${execution}/skipped`);
        continue;
      }
      p.attempts = r.attempt;
      p.startedAt = r.startedAt;
      p.endedAt = r.endedAt;
      if (r.state === 'failed') {
        const member = this.stepsById.get(id)!;
        p.state = 'failed';
        p.error = r.error;
        this.record('step.failed', id, 'drillbook', { error: r.error, onFailure: member.onFailure, sequence: step.id }, `${execution}/failed`);
        continue;
      }
      this.applyCompleted(this.stepsById.get(id)!, execution, r);
    }
  }

  /** A step's recorded completion: its result, and its undo on the stack (once). */
  private applyCompleted(step: PlanStep, execution: number, r: Extract<SequenceMemberResult, { state: 'completed' }>): void {
    const p = this.progress.get(step.id)!;
    Object.assign(p, { execution, state: 'completed', error: undefined, attempts: r.attempt, startedAt: r.startedAt, endedAt: r.endedAt });
    this.results.set(step.id, { output: r.output, startedAt: r.startedAt, endedAt: r.endedAt, attempt: r.attempt, replayed: r.replayed });
    if (step.compensate && !this.undoStack.includes(step)) this.undoStack.push(step);
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
      case 'sequence':
        return this.activities(step).executeSequence({
          ...ref,
          members: step.members.map((id) => this.stepsById.get(id) as SequenceMember),
          scope: this.scope(step),
          site: step.site,
        });
      case 'manual':
      case 'approval':
        if (patched(HUMAN_STEPS_PATCH)) {
          return step.kind === 'manual' ? this.awaitConfirmation(step, execution) : this.awaitApprovals(step, execution);
        }
        // Runs started before human steps existed failed them as unsupported; replay keeps that.
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
    const timeoutMs = step.timeoutMs ?? this.defaultTimeoutMs(step);
    const retry = {
      maximumAttempts: step.retry.maxAttempts,
      initialInterval: step.retry.initialIntervalMs,
      backoffCoefficient: step.retry.backoffCoefficient,
      maximumInterval: step.retry.maxIntervalMs,
    };
    // A local step skips the task queue (a failover's critical path); plans without `local` never
    // reach this branch, so histories of earlier runs replay unchanged.
    // A cancelled sequence, or step with an undo, is waited for: what it completed is known before the undo.
    const waits = step.kind === 'sequence' || (step.compensate !== undefined && patched(UNDO_CANCELLED_PATCH));
    if (waits) this.waitsForCancel.add(step.id);
    const cancellationType = waits ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : undefined;
    if (step.local) return proxyLocalActivities<StepActivities>({ startToCloseTimeout: timeoutMs, retry, ...(cancellationType ? { cancellationType } : {}) });
    return proxyActivities<StepActivities>({
      ...(cancellationType ? { cancellationType } : {}),
      taskQueue: step.site ? siteTaskQueue(step.site) : this.input.taskQueue,
      startToCloseTimeout: timeoutMs,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      retry,
    });
  }

  /** A polled check gets its window and a grace; a sequence its members' windows on top of the default. */
  private defaultTimeoutMs(step: PlanStep): number {
    if (step.kind === 'check' && step.until) return step.until.withinMs + CHECK_GRACE_MS;
    if (step.kind !== 'sequence') return DEFAULT_STEP_TIMEOUT_MS;
    const windows = step.members.map((id) => this.stepsById.get(id)!).map((m) => (m.kind === 'check' && m.until ? m.until.withinMs : 0));
    return DEFAULT_STEP_TIMEOUT_MS + windows.reduce((a, b) => a + b, 0);
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
    this.decisionSince.set(step.id, new Date().toISOString());
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
      { decision: decision.decision, reason: decision.reason ?? null, ...signedRequest(decision) },
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
      if (step.kind === 'sequence') this.skipUnfinishedMembers(step, p.skipReason, false);
      return;
    }
    this.requestAbort({ reason: decision.reason?.trim() || `abort decided on step "${step.id}"`, actor: decision.actor });
  }

  /** A skipped sequence skips the members it did not complete, so the steps after them can go on. */
  private skipUnfinishedMembers(step: SequenceStep, reason: string, audit: boolean): void {
    for (const id of step.members) {
      const m = this.progress.get(id)!;
      if (m.state === 'completed') continue;
      m.state = 'skipped';
      m.skipReason = reason;
      if (audit) this.record('step.skipped', id, 'drillbook', { reason, sequence: step.id }, `${m.execution}/skipped`);
    }
  }

  private requestAbort(request: AbortRunInput): void {
    if (this.abortRequest) return;
    this.abortRequest = request;
    this.state = 'aborting';
    this.record('run.abort_requested', undefined, request.actor, { reason: request.reason, ...signedRequest(request) }, 'abort');
    this.stepScope.cancel();
    this.guardScope?.cancel();
  }

  /** Runs every completed step's undo in reverse order of completion; one failure never skips the rest. */
  private async unwind(): Promise<void> {
    await condition(() => this.active.size === 0);
    if (this.flushBarrier) await condition(() => this.queue.length === 0 && !this.flushing);
    await CancellationScope.nonCancellable(async () => {
      // A step (or a sequence's members) cancelled midway may have completed its side effect (a
      // fence): read back what was recorded so that it is undone too.
      for (const { step, execution } of this.cancelledSteps) {
        const stepIds = step.kind === 'sequence' ? step.members : [step.id];
        const done = await auditWriter.completedSteps({ runId: this.runId, stepIds, execution });
        if (step.kind === 'sequence') this.applyMembers(step, execution, done);
        else {
          const r = done[step.id];
          if (r?.state === 'completed') this.applyCompleted(step, execution, r);
        }
      }
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
    this.guardScope?.cancel();
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
      this.flushing = true;
      try {
        await auditWriter.appendAuditEvents(this.queue.splice(0));
      } finally {
        this.flushing = false;
      }
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
      steps: [...this.progress.values()].map((p) => {
        const result = p.state === 'completed' ? this.results.get(p.id) : undefined;
        return result ? { ...p, outputSummary: summarize(result.output) } : { ...p };
      }),
      rtoMs: this.objectives.rtoMs,
      rpoMs: this.objectives.rpoMs,
      initiator: this.input.initiator,
      objectives: this.input.plan.objectives,
      waiting: this.waitingSnapshot(),
      ...(this.guardStates.size ? { guards: [...this.guardStates.entries()].map(([id, g]) => ({ id, ...g })) } : {}),
    };
  }

  private waitingSnapshot(): HumanWait[] {
    const waits: HumanWait[] = [];
    for (const step of this.input.plan.steps) {
      const human = this.humanWaits.get(step.id);
      if (human) waits.push({ ...human, approvedBy: human.approvedBy && [...human.approvedBy] });
      const error = this.awaitingDecision.get(step.id);
      if (error !== undefined) {
        waits.push({ stepId: step.id, kind: 'decision', title: step.title, since: this.decisionSince.get(step.id) ?? this.startedAt, role: 'operator', error });
      }
    }
    for (const guard of this.input.plan.guards ?? []) {
      const key = GUARD_KEY_PREFIX + guard.id;
      const error = this.awaitingDecision.get(key);
      if (error !== undefined) {
        waits.push({ stepId: key, kind: 'decision', title: `guard: ${guard.title}`, since: this.decisionSince.get(key) ?? this.startedAt, role: 'operator', error });
      }
    }
    return waits;
  }

  // --- Human steps ---

  /** A manual step: waits (durably, for as long as it takes or its `timeout`) for a confirm with its evidence. */
  private async awaitConfirmation(step: ManualStep, execution: number): Promise<StepActivityResult> {
    const p = this.progress.get(step.id)!;
    const startedAt = new Date().toISOString();
    p.state = 'waiting';
    this.humanWaits.set(step.id, {
      stepId: step.id,
      kind: 'manual',
      title: step.title,
      since: startedAt,
      instructions: step.instructions,
      evidenceFields: step.evidenceFields.map((f) => ({ ...f })),
      role: step.role ?? 'operator',
    });
    this.record('step.waiting', step.id, 'drillbook', { kind: 'manual', role: step.role ?? 'operator', evidenceFields: step.evidenceFields.map((f) => f.name) }, `${execution}/waiting`);
    let confirmed: boolean;
    try {
      const arrived = () => this.confirmations.has(step.id);
      confirmed = step.timeoutMs === undefined ? (await condition(arrived), true) : await condition(arrived, step.timeoutMs);
    } finally {
      this.humanWaits.delete(step.id);
    }
    if (!confirmed) {
      throw ApplicationFailure.nonRetryable(`no confirmation within ${step.timeoutMs} ms`, FAILURES.StepTimedOut);
    }
    const confirmation = this.confirmations.get(step.id)!;
    this.confirmations.delete(step.id);
    const output: Json = { confirmedBy: confirmation.actor, evidence: confirmation.evidence, note: confirmation.note ?? null };
    const endedAt = new Date().toISOString();
    this.record('step.confirmed', step.id, confirmation.actor, { evidence: confirmation.evidence, note: confirmation.note ?? null, ...signedRequest(confirmation) }, `${execution}/confirmed`);
    this.record('step.completed', step.id, 'drillbook', { kind: 'manual', confirmedBy: confirmation.actor }, `${execution}/completed`);
    return { output, startedAt, endedAt, attempt: 1, replayed: false };
  }

  /**
   * An approval: waits until `approvers` distinct people holding `role` approved (never the initiator:
   * the validator refuses). Reminds every `remind.every`; on `timeout`, aborts, escalates and keeps
   * waiting, or fails the step (then `onFailure` applies).
   */
  private async awaitApprovals(step: ApprovalStep, execution: number): Promise<StepActivityResult> {
    const p = this.progress.get(step.id)!;
    const startedAt = new Date().toISOString();
    const startMs = Date.now();
    let deadlineMs = step.approvalTimeoutMs === undefined ? undefined : startMs + step.approvalTimeoutMs;
    let nextReminderMs = step.remind ? startMs + step.remind.everyMs : undefined;
    let reminders = 0;
    // A retried approval (after a timeout and a decision) starts over: earlier approvals were for another wait.
    this.approvals.delete(step.id);
    p.state = 'waiting';
    const wait: HumanWait = {
      stepId: step.id,
      kind: 'approval',
      title: step.title,
      since: startedAt,
      instructions: step.instructions,
      role: step.role,
      approvalsNeeded: step.approvers,
      approvedBy: [],
      ...(deadlineMs !== undefined ? { deadline: new Date(deadlineMs).toISOString() } : {}),
    };
    this.humanWaits.set(step.id, wait);
    this.record(
      'approval.requested',
      step.id,
      'drillbook',
      { role: step.role, approvers: step.approvers, timeoutMs: step.approvalTimeoutMs ?? null, onTimeout: step.onTimeout ?? null },
      `${execution}/approval-requested`,
    );
    const enough = () => (this.approvals.get(step.id)?.length ?? 0) >= step.approvers;
    try {
      for (;;) {
        const now = Date.now();
        const next = Math.min(deadlineMs ?? Infinity, nextReminderMs ?? Infinity);
        const done = next === Infinity ? (await condition(enough), true) : await condition(enough, Math.max(1, next - now));
        if (done) break;
        const at = Date.now();
        if (deadlineMs !== undefined && at >= deadlineMs) {
          this.record('approval.timed_out', step.id, 'drillbook', { approvedBy: wait.approvedBy ?? [], onTimeout: step.onTimeout ?? null }, `${execution}/approval-timed-out`);
          if (step.onTimeout !== 'escalate' || !step.escalate) {
            throw ApplicationFailure.nonRetryable(
              `approval not given within ${step.approvalTimeoutMs} ms (${wait.approvedBy?.length ?? 0} of ${step.approvers})`,
              FAILURES.ApprovalTimedOut,
            );
          }
          deadlineMs = undefined;
          wait.deadline = undefined;
          await this.notice(step, execution, 'escalated', 'approval.escalated', step.escalate, wait);
          continue;
        }
        if (nextReminderMs !== undefined && at >= nextReminderMs && step.remind) {
          reminders += 1;
          nextReminderMs += step.remind.everyMs;
          await this.notice(step, execution, `reminder-${reminders}`, 'approval.reminded', step.remind.notify, wait);
        }
      }
    } finally {
      this.humanWaits.delete(step.id);
    }
    const approvedBy = (this.approvals.get(step.id) ?? []).map((a) => a.actor);
    const endedAt = new Date().toISOString();
    this.record('step.completed', step.id, 'drillbook', { kind: 'approval', approvedBy }, `${execution}/completed`);
    return { output: { approvedBy }, startedAt, endedAt, attempt: 1, replayed: false };
  }

  /** Sends a reminder or an escalation; an undeliverable notice is recorded and the wait goes on. */
  private async notice(step: ApprovalStep, execution: number, name: string, type: string, call: AdapterCall, wait: HumanWait): Promise<void> {
    try {
      await noticeSender.sendNotice({
        runId: this.runId,
        stepId: step.id,
        key: `${this.runId}/${step.id}/${execution}/${name}`,
        type,
        call,
        scope: this.scope(step),
        data: { role: wait.role, approvedBy: wait.approvedBy ?? [], needed: step.approvers },
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.record('notice.failed', step.id, 'drillbook', { notice: name, error: message(err) }, `${execution}/${name}/failed`);
    }
  }

  // --- Guards ---

  private guardHeld(): boolean {
    for (const key of this.awaitingDecision.keys()) if (key.startsWith(GUARD_KEY_PREFIX)) return true;
    return false;
  }

  /**
   * Watches the guards with one long-running activity per task queue until the run ends. A violation
   * aborts, or pauses (new steps held) until an operator decides on `guard:<id>`: retry = watch again
   * and go on, skip = ignore this guard from now on (reason required), abort.
   */
  private async watchGuards(guards: PlanGuard[]): Promise<void> {
    this.guardScope = new CancellationScope();
    for (const g of guards) this.guardStates.set(g.id, { state: 'watching' });
    try {
      await this.guardScope.run(async () => {
        while (!this.endedAt && !this.abortRequest) {
          const watched = guards.filter((g) => this.guardStates.get(g.id)!.state !== 'ignored');
          if (!watched.length) return;
          const violation = await this.firstViolation(watched);
          const guard = guards.find((g) => g.id === violation.guardId)!;
          this.guardStates.set(guard.id, { state: 'violated', error: violation.error });
          const key = GUARD_KEY_PREFIX + guard.id;
          this.record('guard.violated', undefined, 'drillbook', { guard: guard.id, error: violation.error, output: violation.output, onViolation: guard.onViolation }, `guard/${guard.id}/${this.guardViolations++}`);
          if (guard.onViolation === 'abort') {
            this.requestAbort({ reason: `guard "${guard.id}" violated: ${violation.error}`, actor: 'drillbook' });
            return;
          }
          this.awaitingDecision.set(key, violation.error);
          this.decisionSince.set(key, new Date().toISOString());
          this.state = 'paused';
          this.record('run.paused', undefined, 'drillbook', { guard: guard.id, error: violation.error }, `guard/${guard.id}/${this.guardViolations}/paused`);
          await condition(() => this.decisions.has(key) || this.abortRequest !== undefined);
          this.awaitingDecision.delete(key);
          if (this.awaitingDecision.size === 0 && !this.abortRequest) this.state = 'running';
          const decision = this.decisions.get(key);
          this.decisions.delete(key);
          this.readyChanged = true;
          if (!decision) return;
          this.record('decision.applied', undefined, decision.actor, { guard: guard.id, decision: decision.decision, reason: decision.reason ?? null, ...signedRequest(decision) }, `guard/${guard.id}/${this.guardViolations}/decision`);
          if (decision.decision === 'abort') {
            this.requestAbort({ reason: decision.reason?.trim() || `abort decided on guard "${guard.id}"`, actor: decision.actor });
            return;
          }
          this.guardStates.set(guard.id, { state: decision.decision === 'skip' ? 'ignored' : 'watching' });
        }
      });
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }

  private guardViolations = 0;

  /** The first violation among the watchers (one per task queue); the others are cancelled. */
  private async firstViolation(guards: PlanGuard[]): Promise<GuardViolation> {
    const byQueue = new Map<string, PlanGuard[]>();
    for (const g of guards) {
      const queue = g.site ? siteTaskQueue(g.site) : this.input.taskQueue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), g]);
    }
    const scope = new CancellationScope();
    try {
      return await scope.run(() =>
        Promise.race(
          [...byQueue.entries()].map(async ([taskQueue, group]) => {
            const watcher = proxyActivities<HumanActivities>({
              taskQueue,
              // Runs as long as the run: restarted after a day, or sooner when its worker dies (heartbeats).
              startToCloseTimeout: '24h',
              heartbeatTimeout: '30s',
              retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
            });
            try {
              return await watcher.watchGuards({ runId: this.runId, guards: group, scope: { mode: this.input.mode, params: this.input.params, steps: {} } });
            } catch (err) {
              if (isCancellation(err)) throw err;
              // A watcher that cannot run (bad adapter input) is a violation: the guard cannot be seen.
              return { guardId: group[0].id, error: `guard watcher failed: ${message(err)}`, output: null, probes: 0 };
            }
          }),
        ),
      );
    } finally {
      scope.cancel();
    }
  }
}

/**
 * The front door's request id of a signed action, for its event: the same id as the API's
 * `action.requested` record, so the trail ties what the run did to who asked through the API.
 */
function signedRequest(request: { auth?: ActionAuth }): { requestId?: string } {
  return request.auth?.requestId ? { requestId: request.auth.requestId } : {};
}

function summarize(output: Json): string {
  // An HTTP answer's body says more than its status line and headers.
  const shown = output && typeof output === 'object' && !Array.isArray(output) && 'json' in output ? output.json : output;
  const text = JSON.stringify(shown) ?? 'null';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
