/**
 * Every adapter call of a runbook, with its path: the steps' (action, probe, notify, compensate), the
 * guards' probes, and an approval's escalation and reminder notices. For the checks that look into
 * inputs whatever step holds them (secret references, shell scripts).
 */
import { isRecord, type Path } from './findings';
import { adapterCalls } from './references';
import type { LooseStep } from './step-graph';

export interface LooseAdapterCall {
  adapter: unknown;
  input: unknown;
  path: Path;
}

export function everyAdapterCall(runbook: Record<string, unknown>, steps: LooseStep[]): LooseAdapterCall[] {
  const calls: LooseAdapterCall[] = steps.flatMap((step) => adapterCalls(step));
  for (const step of steps) {
    if (step.kind !== 'approval') continue;
    const escalate = step.raw.escalate;
    if (isRecord(escalate)) calls.push({ adapter: escalate.adapter ?? 'notify', input: escalate.input ?? {}, path: [...step.path, 'escalate'] });
    const remind = isRecord(step.raw.remind) ? step.raw.remind.notify : undefined;
    if (isRecord(remind)) calls.push({ adapter: remind.adapter ?? 'notify', input: remind.input ?? {}, path: [...step.path, 'remind', 'notify'] });
  }
  if (Array.isArray(runbook.guards)) {
    runbook.guards.forEach((guard, i) => {
      if (isRecord(guard) && isRecord(guard.probe)) {
        calls.push({ adapter: guard.probe.adapter, input: guard.probe.input ?? {}, path: ['guards', i, 'probe'] });
      }
    });
  }
  return calls;
}
