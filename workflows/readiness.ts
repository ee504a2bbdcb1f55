/**
 * `readinessCheck`: one evaluation of a service's readiness, started by the service's readiness
 * schedule (every 15 minutes by default) or by `drillbook readiness check`. The activity evaluates the
 * pre-checks of the service's registered runbooks and records what changed (docs/readiness.md).
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ReadinessActivities } from '../activities/readiness-activities';
import type { ReadinessCheckInput, ReadinessCheckResult } from '../src/plan/readiness';

export async function readinessCheck(input: ReadinessCheckInput): Promise<ReadinessCheckResult> {
  const info = workflowInfo();
  const acts = proxyActivities<ReadinessActivities>({
    taskQueue: input.programmeTaskQueue ?? info.taskQueue,
    // Probes with their own timeouts and polling windows; retried on a database hiccup. The next
    // interval evaluates again anyway, so a few attempts are enough.
    startToCloseTimeout: '5m',
    heartbeatTimeout: '1m',
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
  });
  return acts.evaluateReadiness({ service: input.service, evaluationId: `${info.workflowId}/${info.runId}` });
}
