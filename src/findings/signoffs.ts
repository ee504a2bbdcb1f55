/**
 * Sign-offs of a run (drill owner, business owner, independent reviewer): a row in `run_signoffs`
 * and a `signoff.recorded` event on the run's own chain, in one transaction. Append-only, and one
 * sign-off per person per capacity per run (unique index run_signoffs_once, migration
 * 2026_12_04_120000_front_door): signing again in the same role is refused and writes nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { FindingInputError } from './errors';
import { SIGNOFF_ROLES, findingsDb, type SignoffRole } from './tables';

export interface SignoffRecord {
  runId: string;
  role: SignoffRole;
  signer: string;
  comment: string | null;
  requestId: string;
  signedAt: Date;
}

/** The same person already signed this run off in this capacity. */
export class SignoffDuplicateError extends Error {
  constructor(s: Pick<SignoffRecord, 'runId' | 'role' | 'signer'>) {
    super(`${s.signer} has already signed run ${s.runId} off as ${s.role}; a sign-off is given once per person and capacity`);
  }
}

/** PostgreSQL's unique violation on the one-sign-off index. */
function isDuplicateSignoff(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'run_signoffs_once';
}

export function isSignoffRole(role: string): role is SignoffRole {
  return (SIGNOFF_ROLES as readonly string[]).includes(role);
}

/**
 * Records a sign-off (once per request id).
 * @throws FindingInputError for an unknown role; SignoffDuplicateError when this signer already signed
 *   this run off in this role (then neither the row nor its event is written).
 */
export async function recordSignoff(db: Kysely<Database>, s: SignoffRecord): Promise<void> {
  if (!isSignoffRole(s.role)) throw new FindingInputError('role', `"${s.role}" is not one of ${SIGNOFF_ROLES.join(', ')}`);
  const earlier = await findingsDb(db)
    .selectFrom('run_signoffs')
    .select('request_id')
    .where('run_id', '=', s.runId)
    .where('role', '=', s.role)
    .where('signer', '=', s.signer)
    .executeTakeFirst();
  // The same request retried is fine (nothing new is written); another request is a second sign-off.
  if (earlier && earlier.request_id !== s.requestId) throw new SignoffDuplicateError(s);
  await appendAuditEvents(
    db,
    [
      {
        key: `${s.runId}/-/signoff/${s.requestId}`,
        runId: s.runId,
        type: 'signoff.recorded',
        actor: s.signer,
        at: s.signedAt,
        data: { role: s.role, signer: s.signer, comment: s.comment, requestId: s.requestId },
      },
    ],
    async (trx: Transaction<Database>) => {
      await findingsDb(trx)
        .insertInto('run_signoffs')
        .values({ run_id: s.runId, role: s.role, signer: s.signer, comment: s.comment, request_id: s.requestId, signed_at: s.signedAt })
        .onConflict((oc) => oc.column('request_id').doNothing())
        .execute();
    },
  ).catch((err: unknown) => {
    // Two requests at once: the index refuses the second, and its event rolls back with it.
    if (isDuplicateSignoff(err)) throw new SignoffDuplicateError(s);
    throw err;
  });
}

export async function listSignoffs(db: Kysely<Database>, runId: string): Promise<SignoffRecord[]> {
  const rows = await findingsDb(db).selectFrom('run_signoffs').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  return rows.map((r) => ({ runId: r.run_id, role: r.role as SignoffRole, signer: r.signer, comment: r.comment, requestId: r.request_id, signedAt: r.signed_at }));
}
