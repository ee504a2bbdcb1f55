/**
 * One consistent, read-only view of the trail for a verification: rows committed while it runs are
 * neither half-seen nor reported as mismatches. Inside a caller's transaction, that transaction is
 * the view.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, Db } from './database';

export function inReadSnapshot<T>(db: Db, read: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return read(db as Transaction<Database>);
  return (db as Kysely<Database>).transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}
