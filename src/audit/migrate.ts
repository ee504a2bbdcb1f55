/** Applies the audit schema's migrations (migrations/index.ts). */
import { Migrator, type Kysely } from 'kysely';
import { migrations } from '../../migrations';

/**
 * Brings the schema to the latest migration. Safe to call from several processes at once: Kysely's
 * migrator takes a lock, and a migration already applied is skipped.
 *
 * @returns the names of the migrations this call applied (empty when already up to date).
 * @throws Error naming the migration that failed, with the database's error as `cause`.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  // The migrator never throws: it reports failure in `error`, which must be checked.
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`audit schema migration ${failed ? `"${failed}" ` : ''}failed: ${detail}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
