/** Summary statistics of repeated measurements: median and spread, as the benchmark table shows them. */

export interface Stats {
  /** How many measurements. */
  n: number;
  median: number;
  min: number;
  max: number;
  p95: number;
  /** (max - min) / median: the relative spread of the repetitions. */
  spread: number;
  samples: number[];
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** @throws Error when `samples` is empty (a case that measured nothing must not report a figure). */
export function summarize(samples: number[]): Stats {
  if (samples.length === 0) throw new Error('no measurements to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { n: sorted.length, median, min, max, p95: percentile(sorted, 95), spread: median > 0 ? (max - min) / median : 0, samples };
}

/** Milliseconds, rounded to 0.1. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Ratio of medians, rounded to 0.001. */
export function ratioOf(ours: number, baseline: number): number {
  return Math.round((ours / baseline) * 1000) / 1000;
}
