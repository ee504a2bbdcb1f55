/**
 * The start gate of continuous readiness (docs/readiness.md): a run or a campaign whose runbook's
 * recorded readiness is `not-ready` is refused (409) with the state, since when and the failing
 * pre-check, unless the request carries `readinessOverride: { reason }`; an override is recorded on
 * the `readiness` chain with who gave it. A runbook never evaluated, or `unknown`, does not hold a
 * start back. Readiness is per runbook name: a runbook's edited version probes the same sites.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { READINESS_CHAIN } from '../readiness/record';
import { describeWhy, readinessStates, type RunbookReadiness } from '../readiness/query';
import { ApiError } from './errors';
import { mustRecord } from './refusal-record';

export const ReadinessOverride = z.strictObject({
  /** Why this start goes ahead on a runbook whose pre-checks last failed: kept in the trail. */
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
});
export type ReadinessOverride = z.output<typeof ReadinessOverride>;

/**
 * @throws ApiError 409 `runbook_not_ready` when one of `runbooks` is not ready and there is no override.
 * @throws AuditUnavailableError (503) when the override cannot be recorded: the start must not go on.
 */
export async function gateOnReadiness(
  db: Kysely<Database>,
  runbooks: string[],
  override: ReadinessOverride | undefined,
  who: { actor: string; requestId: string },
): Promise<void> {
  const notReady = (await readinessStates(db, { runbooks: [...new Set(runbooks)] })).filter((r) => r.state === 'not-ready');
  if (!notReady.length) return;
  if (!override) {
    throw new ApiError(
      409,
      'runbook_not_ready',
      `${notReady.map(describeNotReady).join('; ')}; to start anyway, give readinessOverride.reason (CLI: --override-readiness "<reason>")`,
      'readinessOverride',
    );
  }
  await mustRecord(
    appendAuditEvents(
      db,
      notReady.map((r) => ({
        key: `${READINESS_CHAIN}/override/${who.requestId}/${r.service}/${r.runbook}`,
        chainId: READINESS_CHAIN,
        runId: null,
        type: 'readiness.overridden',
        actor: who.actor,
        data: { service: r.service, runbook: r.runbook, planHash: r.planHash, reason: override.reason, since: r.since, why: r.why, requestId: who.requestId },
      })),
    ),
  );
}

function describeNotReady(r: RunbookReadiness): string {
  return `runbook "${r.runbook}" (service ${r.service}) is not ready since ${r.since}: ${describeWhy(r)}`;
}

/** The override as a start's record keeps it (nothing when none was given). */
export function overrideOf(body: { readinessOverride?: ReadinessOverride }): { readinessOverride?: ReadinessOverride } {
  return body.readinessOverride ? { readinessOverride: body.readinessOverride } : {};
}
