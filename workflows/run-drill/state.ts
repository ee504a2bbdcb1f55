/**
 * What one run of `runDrill` knows, shared by the parts of the interpreter (scheduler, steps,
 * decisions, human waits, guards, abort, progress). Plain state and a few helpers: no commands.
 */
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import type { StepActivityResult, StepScope } from '../../activities/step-types';
import type { Json, PlanStep, RunInput } from '../../src/plan/types';
import type { AbortRunInput, ApproveStepInput, ConfirmStepInput, DecideOnFailureInput, HumanWait, RunProgress, StepProgress } from '../../src/plan/run-messages';
import { AuditQueue } from './audit-queue';
import { Signatures } from './signatures';
import { verifiedStart } from '../start-verification';

export interface GuardState {
  state: 'watching' | 'violated' | 'ignored';
  error?: string;
}

export class RunContext {
  readonly runId = workflowInfo().workflowId;
  readonly progress = new Map<string, StepProgress>();
  readonly results = new Map<string, StepActivityResult>();
  /** Steps cancelled by an abort while they ran whose completed work must be read back before unwinding. */
  readonly cancelledSteps: Array<{ step: PlanStep; execution: number }> = [];
  /** Steps whose activities wait for a cancellation to complete (see UNDO_CANCELLED_PATCH). */
  readonly waitsForCancel = new Set<string>();
  /** Steps with a `compensate`, in order of completion: unwound in reverse on abort. */
  readonly undoStack: PlanStep[] = [];
  /** Open decisions (a step id or `guard:<id>`) and the error each is about. */
  readonly awaitingDecision = new Map<string, string>();
  readonly decisions = new Map<string, DecideOnFailureInput>();
  readonly decisionSince = new Map<string, string>();
  /** Steps launched and not finished yet. */
  readonly active = new Set<string>();
  readonly stepScope = new CancellationScope();
  guardScope?: CancellationScope;
  readonly audit: AuditQueue;
  readonly signatures: Signatures;
  /** Whether abort waits for the audit queue before unwinding (ABORT_FLUSH_BARRIER_PATCH). */
  flushBarrier = false;
  abortRequest?: AbortRunInput;
  state: RunProgress['state'] = 'running';
  readonly startedAt = new Date().toISOString();
  endedAt?: string;
  objectives: { rtoMs?: number; rpoMs?: number } = {};
  /** Manual and approval steps waiting for people, by step id. */
  readonly humanWaits = new Map<string, HumanWait>();
  readonly confirmations = new Map<string, ConfirmStepInput>();
  readonly approvals = new Map<string, ApproveStepInput[]>();
  readonly guardStates = new Map<string, GuardState>();
  /** Something happened that may make a step ready (the scheduler scans again). */
  readyChanged = false;
  readonly stepsById: Map<string, PlanStep>;

  constructor(readonly input: RunInput) {
    this.audit = new AuditQueue(this.runId);
    this.signatures = new Signatures(this.runId, input, () => verifiedStart(this.runId, input));
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

  record(type: string, stepId: string | undefined, actor: string, data: Json, transition: string): void {
    this.audit.record(type, stepId, actor, data, transition);
  }

  /** What a step's templates and `when` may read: only the outputs of the steps it reads. */
  scope(step: PlanStep): StepScope {
    const steps: StepScope['steps'] = {};
    for (const id of step.reads) {
      const p = this.progress.get(id);
      steps[id] = { output: this.results.get(id)?.output ?? null, status: p?.state ?? 'pending' };
    }
    return { mode: this.input.mode, params: this.input.params, steps };
  }
}
