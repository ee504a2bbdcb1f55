/**
 * Records one evaluation of a runbook's readiness: the projection row always (state, since, why, last
 * evaluated), and ONE `readiness.changed` event on the `readiness` chain only when the runbook turns
 * ready or not ready (its first evaluable result included). An `unknown` result (a pre-check that
 * cannot be evaluated) moves the projection only: the trail records what was found, not what could
 * not be looked at.
 *
 * Idempotent: the event's key is the evaluation's id and the state it records, so a retried activity
 * never writes twice; the row is locked while it is compared, so two evaluations at once (the schedule
 * and `readiness check`) record a change once; an evaluation older than the last one recorded is
 * dropped.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { jsonb } from '../audit/jsonb';
import type { Json } from '../plan/types';
import { readinessDb, type ReadinessState } from './tables';

/** The chain every readiness change is appended to (runId null). */
export const READINESS_CHAIN = 'readiness';

/** The failing pre-check: its step id and its output or error text (redacted by the adapter call). */
export interface FailingCheck {
  check: string;
  output: string;
}

export type ReadinessResult =
  | { state: 'ready' }
  | { state: 'not-ready'; failing: FailingCheck }
  | { state: 'unknown'; reason: string };

export interface Evaluation {
  service: string;
  runbook: string;
  planHash: string;
  /** When the pre-checks were evaluated (their start). */
  evaluatedAt: Date;
  /** Unique per evaluation and the same on a retry of it (e.g. the workflow's id and run id). */
  evaluationId: string;
  actor: string;
  result: ReadinessResult;
}

export interface RecordOutcome {
  state: ReadinessState;
  /** A `readiness.changed` event was written by this call. */
  changed: boolean;
  /** A newer evaluation was recorded already: nothing was written. */
  stale: boolean;
}

export async function recordEvaluation(db: Kysely<Database>, e: Evaluation): Promise<RecordOutcome> {
  return db.transaction().execute(async (trx) => {
    const rdb = readinessDb(trx);
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`drillbook.readiness:${e.service}/${e.runbook}`}))`.execute(trx);
    const before = await rdb.selectFrom('readiness_states').selectAll().where('service', '=', e.service).where('runbook', '=', e.runbook).executeTakeFirst();
    if (before && before.last_evaluated_at.getTime() > e.evaluatedAt.getTime()) return { state: before.state, changed: false, stale: true };
    const state = e.result.state;
    const since = before && before.state === state ? before.since : e.evaluatedAt;
    let recordedReady = before?.recorded_ready ?? null;
    let recordedSince = before?.recorded_since ?? null;
    let changed = false;
    if (state !== 'unknown') {
      const ready = state === 'ready';
      if (recordedReady !== ready) {
        const failing: { [k: string]: Json } = e.result.state === 'not-ready' ? { failing: { check: e.result.failing.check, output: e.result.failing.output } } : {};
        const appended = await appendAuditEvents(trx as unknown as Transaction<Database>, [
          {
            key: `${READINESS_CHAIN}/${e.service}/${e.runbook}/${e.evaluationId}/${state}`,
            chainId: READINESS_CHAIN,
            runId: null,
            type: 'readiness.changed',
            actor: e.actor,
            at: e.evaluatedAt,
            data: { service: e.service, runbook: e.runbook, planHash: e.planHash, ready, previous: recordedReady, since: e.evaluatedAt.toISOString(), ...failing },
          },
        ]);
        changed = appended.inserted > 0;
        recordedReady = ready;
        recordedSince = e.evaluatedAt;
      }
    }
    const row = {
      plan_hash: e.planHash,
      state,
      since,
      why: whyOf(e.result),
      last_evaluated_at: e.evaluatedAt,
      recorded_ready: recordedReady,
      recorded_since: recordedSince,
    };
    await rdb
      .insertInto('readiness_states')
      .values({ service: e.service, runbook: e.runbook, ...row, why: row.why === null ? null : jsonb(row.why) })
      .onConflict((oc) => oc.columns(['service', 'runbook']).doUpdateSet({ ...row, why: row.why === null ? null : jsonb(row.why) }))
      .execute();
    return { state, changed, stale: false };
  });
}

/** Drops the rows of a service's runbooks that are no longer registered (they are not evaluated any more). */
export async function forgetUnregistered(db: Kysely<Database>, service: string, registered: string[]): Promise<void> {
  let q = readinessDb(db).deleteFrom('readiness_states').where('service', '=', service);
  if (registered.length) q = q.where('runbook', 'not in', registered);
  await q.execute();
}

function whyOf(result: ReadinessResult): Json {
  if (result.state === 'not-ready') return { check: result.failing.check, output: result.failing.output };
  if (result.state === 'unknown') return { reason: result.reason };
  return null;
}
