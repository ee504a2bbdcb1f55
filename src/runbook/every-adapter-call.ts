/**
 * The one walker over every adapter call a runbook can make, read leniently from whatever the YAML
 * holds: each step's own call (action, probe, notify), a compensation, an approval's escalation and
 * reminder notices, the members of a sequence and the pre-checks (both are steps, see step-graph.ts),
 * and the guards' probes. Every check that looks at calls (adapter and input, template references,
 * secret references, shell scripts) reads this list, so a call no check sees cannot exist.
 *
 * The switch on the step kind is exhaustive: a new kind fails to compile here until its calls are said.
 */
import { isRecord, type Path } from './findings';
import { STEP_KINDS } from './schema';
import type { LooseStep } from './step-graph';

export interface LooseAdapterCall {
  adapter: unknown;
  input: unknown;
  /** Where the call is (its `input` is at `[...path, 'input']`). */
  path: Path;
  /** The step that makes the call; absent for a guard's probe, which runs beside the steps. */
  step?: LooseStep;
  /** Whether the input's templates may read `output` (a compensation reads what its step returned). */
  allowOutput: boolean;
}

type StepKind = (typeof STEP_KINDS)[number];

function isStepKind(kind: unknown): kind is StepKind {
  return (STEP_KINDS as readonly unknown[]).includes(kind);
}

/** The calls a step makes, by its kind; an unknown kind makes none (the schema reports it). */
export function stepAdapterCalls(step: LooseStep): LooseAdapterCall[] {
  const calls: LooseAdapterCall[] = [];
  const add = (path: Path, call: unknown, options: { allowOutput?: boolean; defaultAdapter?: string } = {}) => {
    if (!isRecord(call)) return;
    calls.push({
      adapter: call.adapter ?? options.defaultAdapter,
      input: call.input ?? {},
      path: [...step.path, ...path],
      step,
      allowOutput: options.allowOutput ?? false,
    });
  };
  const kind = step.kind;
  if (!isStepKind(kind)) return calls;
  switch (kind) {
    case 'action':
      add(['action'], step.raw.action);
      break;
    case 'check':
      add(['probe'], step.raw.probe);
      break;
    case 'notify':
      add(['notify'], step.raw.notify, { defaultAdapter: 'notify' });
      break;
    case 'approval':
      add(['escalate'], step.raw.escalate, { defaultAdapter: 'notify' });
      add(['remind', 'notify'], isRecord(step.raw.remind) ? step.raw.remind.notify : undefined, { defaultAdapter: 'notify' });
      break;
    case 'wait':
    case 'manual':
    case 'sequence': // its members are steps of their own in the list
      break;
    default: {
      const unhandled: never = kind;
      throw new Error(`step kind "${String(unhandled)}" has no entry in stepAdapterCalls`);
    }
  }
  // The undo may read what the step itself returned, as `output`. (A sequence has no `compensate`: the schema says so.)
  add(['compensate'], step.raw.compensate, { allowOutput: true });
  return calls;
}

/** Every adapter call of the runbook: the steps' (in the order of `steps`), then the guards'. */
export function everyAdapterCall(runbook: Record<string, unknown>, steps: LooseStep[]): LooseAdapterCall[] {
  const calls = steps.flatMap((step) => stepAdapterCalls(step));
  if (Array.isArray(runbook.guards)) {
    runbook.guards.forEach((guard, i) => {
      if (isRecord(guard) && isRecord(guard.probe)) {
        calls.push({ adapter: guard.probe.adapter, input: guard.probe.input ?? {}, path: ['guards', i, 'probe'], allowOutput: false });
      }
    });
  }
  return calls;
}
