/** One row of the benchmark's output: the `--json` contract, plus detail for the table and the notes. */
import type { Stats } from './stats';

export interface CaseResult {
  case: string;
  /** Median ms of drillbook's side; for a case without a baseline, its p95 (ms) or events/s. */
  ours_ms: number | null;
  baseline_ms: number | null;
  /** Ratio of medians (ours / baseline); null without a baseline. */
  ratio: number | null;
  /** e.g. "ratio <= 1.15", "p95 <= 50 ms", ">= 100000 events/s". */
  target: string;
  met: boolean;
  /** Why the case measured nothing for drillbook's side (e.g. "runbook missing"). */
  skipped?: string;
  /** Not part of the contract: everything else the table and BENCHMARKS.md show. */
  detail?: CaseDetail;
}

export interface CaseDetail {
  unit: 'ms' | 'events/s';
  ours?: Stats;
  baseline?: Stats;
  notes?: Record<string, unknown>;
}

/** The `--json` view: the contract's fields only (plus `skipped` when set). */
export function contractView(result: CaseResult): Omit<CaseResult, 'detail'> {
  const { detail: _detail, ...rest } = result;
  return rest;
}
