/**
 * The audit record of every human action that reaches the API: requested (it passed the API's checks
 * and is about to be sent to the workflow) or refused (by the API or by the workflow's validator),
 * with who asked, what, and why it was refused. Accepted actions are then recorded by the workflow
 * itself (`step.confirmed`, `approval.granted`, `decision.applied`, `run.abort_requested`).
 *
 * Chains: an attempt on a known run goes on that run's chain (the run's story shows it in order);
 * one without a known run — unknown run id, unauthenticated caller — on the `api` chain.
 */
import type { Json } from '../plan/types';
import { appendAuditEvents, type Projection } from './append-events';
import type { Db } from './database';
import { recordRunEnded } from './runs';

/** The chain of attempts that belong to no known run. */
export const API_CHAIN = 'api';

export interface HumanActionRecord {
  /** Unique per request (also the Temporal update id): the event keys derive from it. */
  requestId: string;
  outcome: 'requested' | 'refused';
  /** confirm, approve, decide, abort, terminate, start. */
  action: string;
  /** The authenticated user, or `anonymous` when authentication failed. */
  actor: string;
  /** The run the action names; `runKnown` says whether the trail has it (then its chain is used). */
  runId?: string;
  runKnown: boolean;
  stepId?: string;
  /** Refused: the HTTP status, a machine code and the message given to the caller. */
  status?: number;
  code?: string;
  message?: string;
  /** Who refused: the API's own checks, or the workflow's validator. */
  refusedBy?: 'api' | 'workflow';
  /** What was asked (validated or raw body), never tokens or secrets. */
  request?: Json;
  roles?: string[];
  /** More about a refusal, each under its own name in `data` (the client, the raw body's digest, the token's owner). */
  details?: Record<string, Json>;
}

/** Appends the record (once per request id and outcome). */
export async function recordHumanAction(db: Db, r: HumanActionRecord, project?: Projection): Promise<void> {
  const onRun = r.runKnown && r.runId !== undefined;
  await appendAuditEvents(
    db,
    [
      {
        key: `api/${r.requestId}/${r.outcome}`,
        chainId: onRun ? r.runId : API_CHAIN,
        runId: onRun ? r.runId! : null,
        type: `action.${r.outcome}`,
        stepId: onRun ? (r.stepId ?? null) : null,
        actor: r.actor,
        data: {
          action: r.action,
          requestId: r.requestId,
          runId: r.runId ?? null,
          stepId: r.stepId ?? null,
          roles: r.roles ?? [],
          ...(r.outcome === 'refused' ? { status: r.status ?? null, code: r.code ?? null, message: r.message ?? null, refusedBy: r.refusedBy ?? 'api' } : {}),
          request: r.request ?? null,
          ...(r.details ?? {}),
        },
      },
    ],
    project,
  );
}

/**
 * Records an emergency terminate: the run's outcome (`run.terminated`, status `terminated`, verdict
 * `fail`), written after Temporal terminated the workflow, which can no longer record anything itself.
 */
export async function recordRunTerminated(db: Db, t: { runId: string; requestId: string; actor: string; reason: string }): Promise<void> {
  const endedAt = new Date();
  await appendAuditEvents(
    db,
    [
      {
        key: `${t.runId}/-/run/terminated`,
        runId: t.runId,
        type: 'run.terminated',
        actor: t.actor,
        at: endedAt,
        data: { reason: t.reason, requestId: t.requestId, state: 'terminated', verdict: 'fail', compensations: 'not run' },
      },
    ],
    (trx) => recordRunEnded(trx, { runId: t.runId, status: 'terminated', verdict: 'fail', endedAt, rtoMs: null, rpoMs: null }).then(() => undefined),
  );
}
