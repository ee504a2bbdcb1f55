/**
 * `coverageCheck`: the programme's own watchdog, started by a Temporal Schedule (daily, say). It asks
 * the programme activities for the coverage of the current period as of the workflow's time, then
 * has them notify the services due soon or overdue (each notice once a day).
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ProgrammeActivities } from '../activities/coverage-activities';

export interface CoverageCheckInput {
  /** Task queue of the programme activities; default: this workflow's. */
  programmeTaskQueue?: string;
  /** Override of the inventory's notifications.dueWithin. */
  dueWithinMs?: number;
}

export interface CoverageCheckResult {
  asOf: string;
  drilled: string[];
  due: string[];
  overdue: string[];
  changedSinceDrill: string[];
  sent: string[];
}

export async function coverageCheck(input: CoverageCheckInput = {}): Promise<CoverageCheckResult> {
  const acts = proxyActivities<ProgrammeActivities>({
    taskQueue: input.programmeTaskQueue ?? workflowInfo().taskQueue,
    // Queries and a handful of webhook posts; retried on a database or receiver hiccup.
    startToCloseTimeout: '2m',
    retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10 },
  });
  const asOf = new Date().toISOString();
  const report = await acts.computeCoverageReport({ asOf, dueWithinMs: input.dueWithinMs });
  const { sent } = await acts.sendCoverageNotices({ report });
  const names = (status: string) => report.services.filter((s) => s.status === status).map((s) => s.service);
  return {
    asOf,
    drilled: names('drilled'),
    due: names('due'),
    overdue: names('overdue'),
    changedSinceDrill: report.services.filter((s) => s.changedSinceDrill).map((s) => s.service),
    sent,
  };
}
