/**
 * Facts a report derives from a run's pinned plan and its step results, never typed in: the drill type
 * (from the mode), the transaction classes actually exercised (from the SQL of the steps that
 * completed), and RTO/RPO recomputed from the marked steps' recorded times and outputs.
 */
import { computeObjectives, type StepTiming } from '../plan/objectives';
import type { Json, Plan, PlanStep } from '../plan/types';

export const DRILL_TYPES = { drill: 'isolated test (drill)', failover: 'real failover', failback: 'failback' } as const;

export function drillType(mode: string): string {
  return (DRILL_TYPES as Record<string, string>)[mode] ?? mode;
}

const WRITE_SQL = /\b(insert|update|delete|merge)\b/i;
const READ_SQL = /\bselect\b/i;

/** The SQL a step sends (postgres `query` in its action or probe), if any. */
function stepSql(step: PlanStep): string | undefined {
  const call = step.kind === 'action' ? step.action : step.kind === 'check' ? step.probe : undefined;
  if (!call || call.adapter !== 'postgres') return undefined;
  const input = call.input as { operation?: Json; sql?: Json };
  return input.operation === 'query' && typeof input.sql === 'string' ? input.sql : undefined;
}

/** `read` and/or `write`, from the SQL of the steps that completed. */
export function transactionClasses(plan: Plan, completedStepIds: ReadonlySet<string>): ('read' | 'write')[] {
  let read = false;
  let write = false;
  for (const step of plan.steps) {
    if (!completedStepIds.has(step.id)) continue;
    const text = stepSql(step);
    if (!text) continue;
    if (WRITE_SQL.test(text)) write = true;
    else if (READ_SQL.test(text)) read = true;
  }
  return [...(read ? (['read'] as const) : []), ...(write ? (['write'] as const) : [])];
}

export interface StepTimes {
  stepId: string;
  status: string;
  startedAt: Date | null;
  endedAt: Date | null;
  output: Json;
}

/**
 * RTO/RPO from the marks: only completed executions with both times count. A run without a completed
 * `rto.end` step has no RTO (undefined), whatever else it recorded.
 */
export function objectivesFromMarks(plan: Plan, steps: readonly StepTimes[]): { rtoMs?: number; rpoMs?: number } {
  const results = new Map<string, StepTiming>();
  for (const s of steps) {
    if (s.status !== 'completed' || !s.startedAt || !s.endedAt) continue;
    results.set(s.stepId, { output: s.output, startedAt: s.startedAt.toISOString(), endedAt: s.endedAt.toISOString() });
  }
  return computeObjectives(plan, results);
}
