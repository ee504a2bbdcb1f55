/**
 * A run's outcome and verdict: pure (no Temporal, no clock), so it is unit-tested on its own.
 * - fail: the run aborted, or a measured RTO/RPO exceeds its objective;
 * - partial: it completed, but a step failed (onFailure: continue) or an operator skipped one;
 * - pass: everything else.
 */
import type { RunResult, StepProgress } from '../../src/plan/run-messages';

const DECIDED_SKIP = 'skipped by ';

/** The skip reason of a step an operator decided to skip (what the verdict counts as partial). */
export function decidedSkipReason(actor: string, reason: string | undefined): string {
  return `${DECIDED_SKIP}${actor}: ${reason}`;
}

export interface Objectives {
  rtoMs?: number;
  rpoMs?: number;
}

export interface VerdictInput {
  aborted: boolean;
  steps: Iterable<Pick<StepProgress, 'state' | 'skipReason'>>;
  /** What the run measured. */
  measured: Objectives;
  /** What the plan asks for. */
  objectives: Objectives;
}

export function runOutcome({ aborted, steps, measured, objectives }: VerdictInput): Pick<RunResult, 'state' | 'verdict'> {
  const all = [...steps];
  const failed = all.filter((p) => p.state === 'failed');
  const decidedSkips = all.filter((p) => p.skipReason?.startsWith(DECIDED_SKIP));
  const state: RunResult['state'] = aborted ? 'aborted' : 'completed';
  const missed = exceeds(measured.rtoMs, objectives.rtoMs) || exceeds(measured.rpoMs, objectives.rpoMs);
  const verdict: RunResult['verdict'] = state === 'aborted' || missed ? 'fail' : failed.length || decidedSkips.length ? 'partial' : 'pass';
  return { state, verdict };
}

function exceeds(measured: number | undefined, objective: number | undefined): boolean {
  return measured !== undefined && objective !== undefined && measured > objective;
}
