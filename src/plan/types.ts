/**
 * The compiled plan: what a run executes. Pure data, JSON-safe, shared by the compiler (src/runbook),
 * the interpreter workflow (workflows/) and the activities. No `node:` imports here: this folder is
 * bundled into workflow code.
 *
 * A plan is pinned to its run: the workflow receives the whole plan and its hash, so editing the YAML
 * never changes a run in flight. Names here are a contract kept in history: add fields, never rename.
 */

import type { ActionAuth, CampaignPhaseGrant, ScheduleGrant } from './action-auth';

export const MODES = ['drill', 'failover', 'failback'] as const;
export type Mode = (typeof MODES)[number];

export const ON_FAILURE = ['pause', 'abort', 'continue'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

export const MARKS = ['rto.start', 'rto.end', 'rpo.measure'] as const;
export type Mark = (typeof MARKS)[number];

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * An expression (conditions, expectations, templates). `source` is what the author wrote; `ast` is the
 * jsep tree, parsed at compile time so the workflow never needs the parser. Evaluated by
 * src/plan/expression.ts against a scope of `mode`, `params`, `steps` (`steps.<id>.output`) and, in a
 * check's expectation, `output`.
 */
export interface Expr {
  source: string;
  ast: Json;
}

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs?: number;
}

export const PARAM_TYPES = ['string', 'number', 'boolean', 'secret'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/**
 * A typed parameter. A `secret`'s value is a reference (`env:NAME` or `file:/path`), never the secret:
 * only an activity resolves it, at the moment it calls the adapter.
 */
export interface PlanParam {
  name: string;
  type: ParamType;
  description?: string;
  required: boolean;
  default?: string | number | boolean;
  /** string params: a regular expression the whole value must match (src/plan/params.ts). */
  pattern?: string;
}

/**
 * An adapter call: `adapter` names an entry of activities/adapters/index.ts; `input` may hold
 * templates (`${{ expr }}`) in any string, rendered by the activity just before the call.
 */
export interface AdapterCall {
  adapter: string;
  input: Json;
}

interface PlanStepCommon {
  id: string;
  title: string;
  /** `precheck` steps run before every `main` step (the compiler adds the needs). */
  phase: 'precheck' | 'main';
  needs: string[];
  when?: Expr;
  timeoutMs?: number;
  retry: RetryPolicy;
  onFailure: OnFailure;
  /** The undo, run in reverse order of completion on abort. */
  compensate?: AdapterCall;
  /** Which site's worker runs it (task queue `drillbook-<site>`); default: the run's own queue. */
  site?: string;
  /**
   * Run as a Temporal local activity, in the worker that runs the workflow: no task-queue round trip
   * (~2.5 ms instead of ~46 ms a step here). For the steps of a failover's critical path, where every
   * millisecond is RTO. Never with `site` (a local activity cannot be sent to another site's worker).
   */
  local?: boolean;
  marks: Mark[];
  /** Output fields (dot paths into the step's output) copied into the audit trail; `['*']` = all. */
  evidence: string[];
  /** Steps whose outputs this step's templates or `when` read (computed by the compiler). */
  reads: string[];
  /** Source position of the step in its YAML file, for messages. */
  source?: { line: number; col: number };
  /**
   * Set on the members of a `sequence`: the id of the sequence that runs them. A member is never
   * launched on its own; its `needs` (the member before it, or the sequence's own needs) only order
   * the plan and tell which outputs a template may read.
   */
  sequence?: string;
}

export interface ActionStep extends PlanStepCommon {
  kind: 'action';
  action: AdapterCall;
}

export interface CheckStep extends PlanStepCommon {
  kind: 'check';
  probe: AdapterCall;
  /** Must be true of the probe's `output` (tolerances are written in the expression). */
  expect: Expr;
  /** Poll until true, at most `withinMs`, every `everyMs`; absent = probe once. */
  until?: { withinMs: number; everyMs: number };
}

export interface WaitStep extends PlanStepCommon {
  kind: 'wait';
  durationMs: number;
}

export interface NotifyStep extends PlanStepCommon {
  kind: 'notify';
  notify: AdapterCall;
}

export interface EvidenceField {
  name: string;
  description?: string;
  required: boolean;
}

export interface ManualStep extends PlanStepCommon {
  kind: 'manual';
  instructions: string;
  evidenceFields: EvidenceField[];
  /** Who may confirm it (a user role); absent = `operator`. */
  role?: string;
}

/** What an approval does when its timeout passes: abort the run, or notify `escalate` and keep waiting. */
export const APPROVAL_ON_TIMEOUT = ['abort', 'escalate'] as const;
export type ApprovalOnTimeout = (typeof APPROVAL_ON_TIMEOUT)[number];

export interface ApprovalStep extends PlanStepCommon {
  kind: 'approval';
  instructions?: string;
  role: string;
  approvers: number;
  approvalTimeoutMs?: number;
  /** Absent: a timeout fails the step, which then follows `onFailure` (pause by default). */
  onTimeout?: ApprovalOnTimeout;
  /** The notice sent when `onTimeout` is `escalate`. */
  escalate?: AdapterCall;
  /** A reminder to approvers every `everyMs` while the approval waits. */
  remind?: { everyMs: number; notify: AdapterCall };
}

export const GUARD_ON_VIOLATION = ['pause', 'abort'] as const;
export type GuardOnViolation = (typeof GUARD_ON_VIOLATION)[number];

/**
 * A probe checked continuously while the run is active (one heartbeating activity polls all guards).
 * On violation the run pauses (no new step starts until an operator decides on `guard:<id>`) or aborts.
 */
export interface PlanGuard {
  id: string;
  title: string;
  probe: AdapterCall;
  /** Must stay true of the probe's `output`. */
  expect: Expr;
  everyMs: number;
  onViolation: GuardOnViolation;
  site?: string;
}

/**
 * Steps run back to back in ONE activity, with no workflow round trip and no audit write between
 * them (their events are written behind them, in order, and are in the trail before the sequence
 * ends): a failover's critical section, where every millisecond is outage. Members are action and
 * check steps, listed in `members` in order and present in the plan's `steps` with `sequence` set.
 */
export interface SequenceStep extends PlanStepCommon {
  kind: 'sequence';
  members: string[];
}

/** The steps a sequence may hold. */
export type SequenceMember = ActionStep | CheckStep;

export type PlanStep = ActionStep | CheckStep | WaitStep | NotifyStep | ManualStep | ApprovalStep | SequenceStep;
export type StepKind = PlanStep['kind'];

export interface Objectives {
  rtoMs?: number;
  rpoMs?: number;
}

export interface Plan {
  planVersion: 1;
  runbook: { name: string; version: string; description?: string; owners: string[] };
  services: string[];
  objectives: Objectives;
  modes: Mode[];
  params: PlanParam[];
  /** Pre-checks first, then the main steps, each in file order. */
  steps: PlanStep[];
  /** Absent when the runbook has none (so plans without guards keep their hash). */
  guards?: PlanGuard[];
  /** Where it was compiled from (informational; not part of the hash). */
  source?: { file: string };
}

/** The input of the `runDrill` workflow. */
export interface RunInput {
  /**
   * The front door's signature of this start, or a schedule's grant (src/plan/signed-actions.ts): a run
   * without one (or with a bad one) does not begin. Absent only in runs started before signing existed.
   */
  auth?: ActionAuth | ScheduleGrant | CampaignPhaseGrant;
  plan: Plan;
  /** sha256 of the canonical plan (src/plan/canonical.ts), hex. */
  planHash: string;
  mode: Mode;
  /** Parameter values; secrets as references only. */
  params: Record<string, string | number | boolean>;
  initiator: string;
  reason: string;
  /** Task queue of steps without a `site`. */
  taskQueue: string;
}
