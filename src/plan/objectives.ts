/**
 * RTO and RPO achieved, computed from the marked steps' evidence — never typed in. Pure (workflow-safe).
 *
 * - RTO: from the start of the earliest `rto.start` step to the end of the latest `rto.end` step, by
 *   the wall-clock times the activities measured where the side effects happened.
 * - RPO: the largest data-loss figure among `rpo.measure` steps' outputs: `rpoMs`, else `lagMs`, else
 *   `lagSeconds` × 1000 — at the top of the output or in an HTTP answer's `json`.
 */
import type { Json, Plan } from './types';

export interface StepTiming {
  output: Json;
  startedAt: string;
  endedAt: string;
}

export function computeObjectives(
  plan: Plan,
  results: ReadonlyMap<string, StepTiming>,
): { rtoMs?: number; rpoMs?: number } {
  let rtoStart: number | undefined;
  let rtoEnd: number | undefined;
  let rpoMs: number | undefined;
  for (const step of plan.steps) {
    const result = results.get(step.id);
    if (!result) continue;
    if (step.marks.includes('rto.start')) {
      const t = Date.parse(result.startedAt);
      rtoStart = rtoStart === undefined ? t : Math.min(rtoStart, t);
    }
    if (step.marks.includes('rto.end')) {
      const t = Date.parse(result.endedAt);
      rtoEnd = rtoEnd === undefined ? t : Math.max(rtoEnd, t);
    }
    if (step.marks.includes('rpo.measure')) {
      const measured = rpoFromOutput(result.output);
      if (measured !== undefined) rpoMs = Math.max(rpoMs ?? 0, measured);
    }
  }
  const rtoMs = rtoStart !== undefined && rtoEnd !== undefined && rtoEnd >= rtoStart ? rtoEnd - rtoStart : undefined;
  return { rtoMs, rpoMs };
}

function rpoFromOutput(output: Json): number | undefined {
  if (!output || typeof output !== 'object' || Array.isArray(output)) return undefined;
  const { rpoMs, lagMs, lagSeconds, json } = output as Record<string, Json>;
  if (rpoMs === undefined && lagMs === undefined && lagSeconds === undefined && json !== undefined) return rpoFromOutput(json);
  if (typeof rpoMs === 'number') return rpoMs;
  if (typeof lagMs === 'number') return lagMs;
  if (typeof lagSeconds === 'number') return Math.round(lagSeconds * 1000);
  return undefined;
}
