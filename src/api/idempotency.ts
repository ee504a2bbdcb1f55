/**
 * `Idempotency-Key` on `POST /api/runs`: a client that retries a start (a timeout, a lost answer)
 * gets the run the first attempt started, never a second drill. The key is claimed per user in
 * `api_start_keys` with the sha256 of the request and the run id; the claim's row is locked while
 * the run starts and committed with it, so two attempts at once wait for each other and the second
 * gets the first one's run.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../audit/database';
import { canonicalJson } from '../plan/canonical';
import type { Json } from '../plan/types';
import { ApiError } from './errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Printable ASCII, 1 to 200 characters (a UUID is the usual choice). */
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/** The start's optional header, for the API's document (checked by `idempotencyKeyOf`, after the token). */
export const IdempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_HEADER]: z.string().regex(KEY_PATTERN).optional().describe('a retry with the same key and request gets the run the first attempt started (a UUID is the usual choice)'),
});

interface StartKeysTable {
  user_name: string;
  idempotency_key: string;
  request_sha256: string;
  run_id: string;
  request_id: string;
  plan_hash: string;
  started: boolean;
  created_at: Date;
}

function keysDb(db: Kysely<Database>) {
  return db.withTables<{ api_start_keys: StartKeysTable }>();
}

/** The header's key, or undefined without one. @throws ApiError 400 naming the header when malformed. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !KEY_PATTERN.test(value)) {
    throw new ApiError(400, 'invalid_request', 'Idempotency-Key: one value of 1 to 200 printable ASCII characters (e.g. a UUID)', 'Idempotency-Key');
  }
  return value;
}

/** The sha256 of what a start asks for: the same key with another request is refused. */
export function startRequestHash(request: Json): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * The run an earlier attempt with this user's key started, if any (read before anything is admitted).
 * @throws ApiError 422 when the key was used for a different request.
 */
export async function earlierStart(db: Kysely<Database>, user: string, key: string, requestHash: string): Promise<StartOutcome | undefined> {
  const row = await keysDb(db).selectFrom('api_start_keys').selectAll().where('user_name', '=', user).where('idempotency_key', '=', key).where('started', '=', true).executeTakeFirst();
  if (!row) return undefined;
  if (row.request_sha256 !== requestHash) throw keyReused(key, row.run_id);
  return { runId: row.run_id, planHash: row.plan_hash, requestId: row.request_id, replayed: true };
}

function keyReused(key: string, runId: string): ApiError {
  return new ApiError(422, 'idempotency_key_reused', `Idempotency-Key "${key}" was used for a different request (run ${runId}); use a new key for a new start`, 'Idempotency-Key');
}

export interface IdempotentStart {
  user: string;
  key: string;
  requestHash: string;
  /** The workflow id a first attempt uses. */
  runId: string;
  planHash: string;
  requestId: string;
}

export interface StartOutcome {
  runId: string;
  planHash: string;
  /** The request id of the attempt that started the run. */
  requestId: string;
  /** True when an earlier attempt with this key had started it. */
  replayed: boolean;
}

/**
 * Starts the run once per (user, key): `start(runId)` runs only when no earlier attempt with this key
 * started it; a failed `start` leaves the key free for a retry.
 * @throws ApiError 422 when the key was used for a different request; whatever `start` throws.
 */
export async function startOnce(db: Kysely<Database>, claim: IdempotentStart, start: (runId: string) => Promise<void>): Promise<StartOutcome> {
  return keysDb(db)
    .transaction()
    .execute(async (trx) => {
      await trx
        .insertInto('api_start_keys')
        .values({
          user_name: claim.user,
          idempotency_key: claim.key,
          request_sha256: claim.requestHash,
          run_id: claim.runId,
          request_id: claim.requestId,
          plan_hash: claim.planHash,
          started: false,
          created_at: new Date(),
        })
        .onConflict((oc) => oc.columns(['user_name', 'idempotency_key']).doNothing())
        .execute();
      // Locked until this attempt commits or rolls back: a concurrent retry waits here.
      const row = await trx
        .selectFrom('api_start_keys')
        .selectAll()
        .where('user_name', '=', claim.user)
        .where('idempotency_key', '=', claim.key)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (row.request_sha256 !== claim.requestHash) throw keyReused(claim.key, row.run_id);
      if (row.started) return { runId: row.run_id, planHash: row.plan_hash, requestId: row.request_id, replayed: true };
      await start(row.run_id);
      await trx.updateTable('api_start_keys').set({ started: true }).where('user_name', '=', claim.user).where('idempotency_key', '=', claim.key).execute();
      return { runId: row.run_id, planHash: row.plan_hash, requestId: row.request_id, replayed: row.request_id !== claim.requestId };
    });
}
