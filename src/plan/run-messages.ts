/**
 * The messages of the `runDrill` workflow, shared by the workflow, the client, the API and the tests.
 * Names are a contract kept in history: add, never rename.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Json } from './types';
import type { ActionAuth } from './action-auth';

export const STEP_STATES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepState = (typeof STEP_STATES)[number];

export const RUN_STATES = ['running', 'paused', 'aborting', 'completed', 'failed', 'aborted'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface StepProgress {
  id: string;
  title: string;
  kind: string;
  phase: 'precheck' | 'main';
  state: StepState;
  /** How many times the step was launched (a `retry` decision launches it again). */
  execution: number;
  /** Temporal attempts of the latest execution, as far as the workflow knows. */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** A short rendering of the output (at most a few hundred characters). */
  outputSummary?: string;
  error?: string;
  skipReason?: string;
  compensation?: 'completed' | 'failed';
}

/** Something the run waits for people to do: confirm, approve, or decide (after a failure or a guard). */
export interface HumanWait {
  /** A step id, or `guard:<id>` for a guard's violation. */
  stepId: string;
  kind: 'manual' | 'approval' | 'decision';
  title: string;
  since: string;
  /** Markdown for the operator (manual and approval steps). */
  instructions?: string;
  /** Manual: the evidence fields a confirm must carry. */
  evidenceFields?: { name: string; description?: string; required: boolean }[];
  /** Who may act: the role needed. */
  role: string;
  /** Approval: how many distinct approvers are needed, and who approved so far. */
  approvalsNeeded?: number;
  approvedBy?: string[];
  /** Approval: when its timeout passes (absent: no timeout, or escalated). */
  deadline?: string;
  /** Decision: what failed. */
  error?: string;
}

export interface RunProgress {
  runId: string;
  runbook: string;
  planHash: string;
  mode: string;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  /** The step waiting for an operator's decision, if the run is paused. */
  awaitingDecision?: { stepId: string; error: string };
  steps: StepProgress[];
  rtoMs?: number;
  rpoMs?: number;
  /** Who started the run (never an approver of it). */
  initiator?: string;
  /** The runbook's targets, for the live view's budget. */
  objectives?: { rtoMs?: number; rpoMs?: number };
  /** Everything waiting for people, in plan order. */
  waiting?: HumanWait[];
  /** Guards being watched (ids); absent when the runbook has none. */
  guards?: { id: string; state: 'watching' | 'violated' | 'ignored'; error?: string }[];
}

export type FailureDecision = 'retry' | 'skip' | 'abort';

export interface DecideOnFailureInput {
  stepId: string;
  decision: FailureDecision;
  reason?: string;
  actor: string;
  /** The front door's signature of this action (required since signed-actions-2026-12). */
  auth?: ActionAuth;
}

export interface AbortRunInput {
  reason: string;
  actor: string;
  /** The front door's signature of this action (required since signed-actions-2026-12). */
  auth?: ActionAuth;
}

export interface ConfirmStepInput {
  stepId: string;
  actor: string;
  /** Evidence field name → value (e.g. ticketUrl → https://…). */
  evidence: Record<string, string>;
  note?: string;
  /** The front door's signature of this action (required since signed-actions-2026-12). */
  auth?: ActionAuth;
}

export interface ApproveStepInput {
  stepId: string;
  actor: string;
  /** The actor's roles, as the API checked them: the validator checks the step's role again. */
  roles: string[];
  comment?: string;
  /** The front door's signature of this action (required since signed-actions-2026-12). */
  auth?: ActionAuth;
}

export interface RunResult {
  state: 'completed' | 'failed' | 'aborted';
  verdict: 'pass' | 'partial' | 'fail';
  rtoMs?: number;
  rpoMs?: number;
  steps: Record<string, { state: StepState; output?: Json; error?: string }>;
}

export const getProgress = defineQuery<RunProgress>('getProgress');
export const decideOnFailure = defineUpdate<void, [DecideOnFailureInput]>('decideOnFailure');
export const abortRun = defineUpdate<void, [AbortRunInput]>('abortRun');
export const confirmStep = defineUpdate<void, [ConfirmStepInput]>('confirmStep');
export const approveStep = defineUpdate<void, [ApproveStepInput]>('approveStep');
