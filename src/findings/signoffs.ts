/**
 * Sign-offs of a run (drill owner, business owner, independent reviewer): a row in `run_signoffs`
 * and a `signoff.recorded` event on the run's own chain, in one transaction. Append-only: signing
 * again in the same role adds a row; the dossier shows every one.
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

export function isSignoffRole(role: string): role is SignoffRole {
  return (SIGNOFF_ROLES as readonly string[]).includes(role);
}

/** Records a sign-off (once per request id). @throws FindingInputError for an unknown role. */
export async function recordSignoff(db: Kysely<Database>, s: SignoffRecord): Promise<void> {
  if (!isSignoffRole(s.role)) throw new FindingInputError('role', `"${s.role}" is not one of ${SIGNOFF_ROLES.join(', ')}`);
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
  );
}

export async function listSignoffs(db: Kysely<Database>, runId: string): Promise<SignoffRecord[]> {
  const rows = await findingsDb(db).selectFrom('run_signoffs').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  return rows.map((r) => ({ runId: r.run_id, role: r.role as SignoffRole, signer: r.signer, comment: r.comment, requestId: r.request_id, signedAt: r.signed_at }));
}
