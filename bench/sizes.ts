/** How big each case is: the sizes, and `--quick` ones small enough for the smoke test. */
export interface BenchSizes {
  reps: number;
  warmups: number;
  sequentialSteps: number;
  fanOutSteps: number;
  concurrentRuns: number;
  concurrentSteps: number;
  failoverReps: number;
  auditEvents: number;
  auditRuns: number;
  /** Timed executions of each auditor query (p95 over these). */
  queryIterations: number;
  verifyReps: number;
}

export const FULL: BenchSizes = {
  reps: 5,
  warmups: 1,
  sequentialSteps: 200,
  fanOutSteps: 500,
  concurrentRuns: 50,
  concurrentSteps: 20,
  failoverReps: 5,
  auditEvents: 1_000_000,
  auditRuns: 20_000,
  queryIterations: 200,
  verifyReps: 3,
};

export const QUICK: BenchSizes = {
  reps: 1,
  warmups: 0,
  sequentialSteps: 10,
  fanOutSteps: 20,
  concurrentRuns: 4,
  concurrentSteps: 5,
  failoverReps: 1,
  auditEvents: 10_000,
  auditRuns: 200,
  queryIterations: 20,
  verifyReps: 1,
};
