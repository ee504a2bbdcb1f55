/**
 * Compiles a validated runbook into the plan a run executes (src/plan/types.ts): durations in ms,
 * defaults made explicit, expressions parsed, every main step needing every pre-check, and the steps
 * each step reads. The plan's hash is sha256 over its canonical JSON without source positions.
 */
import { createHash } from 'node:crypto';
import { canonicalPlanJson } from '../plan/canonical';
import { referencedNames, type Reference } from '../plan/expression';
import { parseExpressionOrThrow } from '../plan/expression-parser';
import { templateRefs } from '../plan/template';
import type { AdapterCall, Plan, PlanGuard, PlanParam, PlanStep, RetryPolicy } from '../plan/types';
import { locate, type RunbookSource } from './parse';
import type { Runbook, RunbookAdapterCall, RunbookSequenceMember, RunbookStep } from './schema';

/** No retry unless the runbook asks: a DR action repeated behind an operator's back is a surprise. */
/**
 * Without `retry`: 3 attempts. A worker that crashes or loses its network mid-step is a transient
 * failure the next attempt cures; adapters mark definitive failures non-retryable, so a real
 * error still reaches the operator after the first attempt.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2 };

/**
 * Builds the plan. `runbook` must have passed validateRunbook without errors.
 * @throws ExpressionSyntaxError only when given an unvalidated runbook.
 */
export function compileRunbook(runbook: Runbook, source?: RunbookSource): Plan {
  const prechecks = runbook.prechecks.map((step, i) => ({ step: step as RunbookStep, phase: 'precheck' as const, path: ['prechecks', i] }));
  const main = runbook.steps.map((step, i) => ({ step, phase: 'main' as const, path: ['steps', i] }));
  const precheckIds = runbook.prechecks.map((s) => s.id);
  const entries = flattenSequences([...prechecks, ...main], precheckIds);
  const order = entries.map((e) => e.step.id);

  const steps = entries.map(({ step, phase, path, needs, sequence }): PlanStep => {
    const when = step.when === undefined ? undefined : parseExpressionOrThrow(step.when);
    const refs: Reference[] = [
      ...(when ? referencedNames(when.ast) : []),
      ...('compensate' in step && step.compensate ? templateRefs(step.compensate.input) : []),
    ];
    const retry = 'retry' in step ? step.retry : undefined;
    const common = {
      id: step.id,
      title: step.title,
      phase,
      needs,
      ...(when ? { when } : {}),
      ...('timeout' in step && step.timeout !== undefined ? { timeoutMs: step.timeout } : {}),
      retry: retry
        ? {
            maxAttempts: retry.attempts,
            initialIntervalMs: retry.interval ?? DEFAULT_RETRY.initialIntervalMs,
            backoffCoefficient: retry.backoff ?? DEFAULT_RETRY.backoffCoefficient,
            ...(retry.maxInterval !== undefined ? { maxIntervalMs: retry.maxInterval } : {}),
          }
        : { ...DEFAULT_RETRY },
      // A member without `continue` fails its sequence, whose own onFailure then applies.
      onFailure: step.onFailure ?? sequence?.onFailure ?? 'pause',
      ...('compensate' in step && step.compensate ? { compensate: adapterCall(step.compensate) } : {}),
      ...('site' in step && step.site !== undefined ? { site: step.site } : {}),
      ...('local' in step && step.local ? { local: true } : {}),
      marks: 'marks' in step ? unique(step.marks) : [],
      evidence: 'evidence' in step ? unique(step.evidence) : [],
      reads: [] as string[],
      ...(source ? { source: locate(source, path) } : {}),
      ...(sequence ? { sequence: sequence.id } : {}),
    };
    let planStep: PlanStep;
    switch (step.kind) {
      case 'action':
        refs.push(...templateRefs(step.action.input));
        planStep = { ...common, kind: 'action', action: adapterCall(step.action) };
        break;
      case 'check': {
        const expect = parseExpressionOrThrow(step.expect);
        refs.push(...templateRefs(step.probe.input), ...referencedNames(expect.ast));
        planStep = {
          ...common,
          kind: 'check',
          probe: adapterCall(step.probe),
          expect,
          ...(step.until ? { until: { withinMs: step.until.within, everyMs: step.until.every } } : {}),
        };
        break;
      }
      case 'wait':
        planStep = { ...common, kind: 'wait', durationMs: step.duration };
        break;
      case 'notify':
        refs.push(...templateRefs(step.notify.input));
        planStep = { ...common, kind: 'notify', notify: adapterCall(step.notify) };
        break;
      case 'manual':
        planStep = {
          ...common,
          kind: 'manual',
          instructions: step.instructions,
          evidenceFields: step.evidenceFields.map((f) => ({ name: f.name, ...(f.description !== undefined ? { description: f.description } : {}), required: f.required })),
          ...(step.role !== undefined ? { role: step.role } : {}),
        };
        break;
      case 'approval':
        // `timeout` of an approval is how long approvers have; both fields carry it so either reader agrees.
        planStep = {
          ...common,
          kind: 'approval',
          role: step.role,
          approvers: step.approvers,
          ...(step.instructions !== undefined ? { instructions: step.instructions } : {}),
          ...(step.timeout !== undefined ? { approvalTimeoutMs: step.timeout } : {}),
          ...(step.onTimeout !== undefined ? { onTimeout: step.onTimeout } : {}),
          ...(step.escalate ? { escalate: adapterCall(step.escalate) } : {}),
          ...(step.remind ? { remind: { everyMs: step.remind.every, notify: adapterCall(step.remind.notify) } } : {}),
        };
        break;
      case 'sequence':
        planStep = { ...common, kind: 'sequence', members: step.steps.map((m) => m.id) };
        break;
      default: {
        const unknownKind: never = step;
        throw new Error(`unknown step kind ${JSON.stringify(unknownKind)}`);
      }
    }
    planStep.reads = stepsRead(refs, step.id, order);
    return planStep;
  });
  // A sequence's activity renders its members' templates, so it carries what they read from outside.
  for (const seq of steps) {
    if (seq.kind !== 'sequence') continue;
    const inside = new Set([seq.id, ...seq.members]);
    const read = new Set([...seq.reads, ...steps.filter((m) => m.sequence === seq.id).flatMap((m) => m.reads)]);
    seq.reads = order.filter((id) => read.has(id) && !inside.has(id));
  }

  return {
    planVersion: 1,
    runbook: {
      name: runbook.name,
      version: runbook.version,
      ...(runbook.description !== undefined ? { description: runbook.description } : {}),
      owners: runbook.owners,
    },
    services: runbook.services,
    objectives: {
      ...(runbook.objectives?.rto !== undefined ? { rtoMs: runbook.objectives.rto } : {}),
      ...(runbook.objectives?.rpo !== undefined ? { rpoMs: runbook.objectives.rpo } : {}),
    },
    modes: unique(runbook.modes),
    params: compileParams(runbook),
    steps,
    ...(runbook.guards?.length ? { guards: runbook.guards.map(compileGuard) } : {}),
    ...(source ? { source: { file: source.file } } : {}),
  };
}

/** sha256 (hex) of the plan's canonical JSON, without source positions. */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalPlanJson(plan), 'utf8').digest('hex');
}

/** Params sorted by name: they are a map in YAML, so their written order must not change the hash. */
function compileParams(runbook: Runbook): PlanParam[] {
  return Object.keys(runbook.params)
    .sort()
    .map((name) => {
      const p = runbook.params[name];
      return {
        name,
        type: p.type,
        ...(p.description !== undefined ? { description: p.description } : {}),
        required: p.required ?? p.default === undefined,
        ...(p.default !== undefined ? { default: p.default } : {}),
        ...(p.pattern !== undefined ? { pattern: p.pattern } : {}),
      };
    });
}

/** A guard probes every 5 s unless told: often enough to notice within an RTO, cheap for the probed API. */
const DEFAULT_GUARD_EVERY_MS = 5000;

function compileGuard(guard: NonNullable<Runbook['guards']>[number]): PlanGuard {
  return {
    id: guard.id,
    title: guard.title,
    probe: adapterCall(guard.probe),
    expect: parseExpressionOrThrow(guard.expect),
    everyMs: guard.every ?? DEFAULT_GUARD_EVERY_MS,
    onViolation: guard.onViolation,
    ...(guard.site !== undefined ? { site: guard.site } : {}),
  };
}

interface PlanEntry {
  step: RunbookStep | RunbookSequenceMember;
  phase: 'precheck' | 'main';
  path: (string | number)[];
  needs: string[];
  /** The sequence a member belongs to. */
  sequence?: { id: string; onFailure: PlanStep['onFailure'] };
}

/**
 * Each sequence followed by its members, in order: the first member needs what the sequence needs,
 * every later one the member before it (so the plan's order and reads hold as for any step).
 */
function flattenSequences(
  listed: { step: RunbookStep; phase: 'precheck' | 'main'; path: (string | number)[] }[],
  precheckIds: string[],
): PlanEntry[] {
  const entries: PlanEntry[] = [];
  for (const { step, phase, path } of listed) {
    const needs = phase === 'main' ? unique([...precheckIds, ...step.needs]) : unique(step.needs);
    entries.push({ step, phase, path, needs });
    if (step.kind !== 'sequence') continue;
    let before = needs;
    step.steps.forEach((member, j) => {
      entries.push({ step: member, phase, path: [...path, 'steps', j], needs: before, sequence: { id: step.id, onFailure: step.onFailure } });
      before = [member.id];
    });
  }
  return entries;
}

function adapterCall(call: RunbookAdapterCall): AdapterCall {
  return { adapter: call.adapter, input: call.input };
}

/** Ids of the other steps read through `steps.<id>`, in plan order. */
function stepsRead(refs: Reference[], self: string, order: string[]): string[] {
  const read = new Set(refs.filter((r) => r.root === 'steps' && r.path.length > 0).map((r) => String(r.path[0])));
  read.delete(self);
  return order.filter((id) => read.has(id));
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

