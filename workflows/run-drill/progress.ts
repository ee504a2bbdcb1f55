/** The `getProgress` query: what the run is doing and waiting for (a read-only view, no commands). */
import { setHandler } from '@temporalio/workflow';
import type { Json } from '../../src/plan/types';
import { getProgress, type HumanWait, type RunProgress } from '../../src/plan/run-messages';
import { GUARD_KEY_PREFIX } from './guards';
import type { RunContext } from './state';

export function registerProgressQuery(run: RunContext): void {
  setHandler(getProgress, () => snapshot(run));
}

function snapshot(run: RunContext): RunProgress {
  const first = [...run.awaitingDecision.entries()][0];
  return {
    runId: run.runId,
    runbook: run.input.plan.runbook.name,
    planHash: run.input.planHash,
    mode: run.input.mode,
    state: run.state,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    awaitingDecision: first ? { stepId: first[0], error: first[1] } : undefined,
    steps: [...run.progress.values()].map((p) => {
      const result = p.state === 'completed' ? run.results.get(p.id) : undefined;
      return result ? { ...p, outputSummary: summarize(result.output) } : { ...p };
    }),
    rtoMs: run.objectives.rtoMs,
    rpoMs: run.objectives.rpoMs,
    initiator: run.input.initiator,
    objectives: run.input.plan.objectives,
    waiting: waitingSnapshot(run),
    ...(run.guardStates.size ? { guards: [...run.guardStates.entries()].map(([id, g]) => ({ id, ...g })) } : {}),
  };
}

function waitingSnapshot(run: RunContext): HumanWait[] {
  const waits: HumanWait[] = [];
  const decision = (key: string, title: string) => {
    const error = run.awaitingDecision.get(key);
    if (error !== undefined) waits.push({ stepId: key, kind: 'decision', title, since: run.decisionSince.get(key) ?? run.startedAt, role: 'operator', error });
  };
  for (const step of run.input.plan.steps) {
    const human = run.humanWaits.get(step.id);
    if (human) waits.push({ ...human, approvedBy: human.approvedBy && [...human.approvedBy] });
    decision(step.id, step.title);
  }
  for (const guard of run.input.plan.guards ?? []) decision(GUARD_KEY_PREFIX + guard.id, `guard: ${guard.title}`);
  return waits;
}

function summarize(output: Json): string {
  // An HTTP answer's body says more than its status line and headers.
  const shown = output && typeof output === 'object' && !Array.isArray(output) && 'json' in output ? output.json : output;
  const text = JSON.stringify(shown) ?? 'null';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
