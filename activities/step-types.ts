/**
 * The inputs and outputs of the step activities: the contract between the interpreter workflow and
 * the activities. Kept in history: add fields, never rename.
 */
import type { RunStarted } from '../src/audit/runs';
import type { AdapterCall, Expr, Json, Mode, SequenceMember } from '../src/plan/types';

/** What templates and expressions can read: the mode, the params (secrets as references) and outputs. */
export interface StepScope {
  mode: Mode;
  params: Record<string, string | number | boolean>;
  steps: Record<string, { output: Json; status: string }>;
}

export interface StepRef {
  runId: string;
  stepId: string;
  /** 1 for the first launch; a `retry` decision launches execution 2, and so on. */
  execution: number;
}

export interface ExecuteActionInput extends StepRef {
  /** `compensate` runs a completed step's undo; its audit events say `compensation.*`. */
  purpose: 'step' | 'compensate';
  call: AdapterCall;
  scope: StepScope;
  /** Output fields copied into the audit event (`['*']` = all). */
  evidence: string[];
  site?: string;
}

export interface ProbeCheckInput extends StepRef {
  probe: AdapterCall;
  expect: Expr;
  until?: { withinMs: number; everyMs: number };
  scope: StepScope;
  evidence: string[];
  site?: string;
}

export interface ExecuteSequenceInput extends StepRef {
  /** The members, in order (plan steps: their own `when`, adapter calls, checks, evidence). */
  members: SequenceMember[];
  scope: StepScope;
  site?: string;
}

/** What one member of a sequence did; absent from the result when the sequence stopped before it. */
export type SequenceMemberResult =
  | { state: 'completed'; output: Json; startedAt: string; endedAt: string; attempt: number; replayed: boolean }
  | { state: 'skipped'; reason: string }
  | { state: 'failed'; error: string; startedAt: string; endedAt: string; attempt: number };

/** A sequence's output, and the details of its `SequenceMemberFailed` failure. */
export interface SequenceOutput {
  members: Record<string, SequenceMemberResult>;
}

export interface StepActivityResult {
  output: Json;
  /** Wall-clock times of the side effect, measured where it happened (RTO/RPO evidence). */
  startedAt: string;
  endedAt: string;
  attempt: number;
  /** True when an earlier attempt had already completed the step: nothing was done again. */
  replayed: boolean;
}

/** An audit event the workflow knows of (run start/end, skips, decisions, waits). */
export interface WorkflowAuditEvent {
  key: string;
  runId: string;
  type: string;
  stepId?: string;
  actor: string;
  at: string;
  data: Json;
}

/** What `recordRunStarted` receives: the audit row's fields, with times as ISO text (history is JSON). */
export type RunStartedInput = Omit<RunStarted, 'startedAt' | 'objectives' | 'status' | 'temporalRunId'> & {
  temporalRunId: string;
  objectives: Json;
  startedAt: string;
};

export interface RunEndedInput {
  runId: string;
  state: 'completed' | 'failed' | 'aborted';
  verdict: 'pass' | 'partial' | 'fail';
  rtoMs?: number;
  rpoMs?: number;
  endedAt: string;
  /** Workflow events not yet flushed; written in the same transaction as the outcome. */
  events: WorkflowAuditEvent[];
  /** A campaign's record (its duration and phases), kept in its end event. */
  campaign?: Json;
}
