/**
 * One real run (failover or failback) per service at a time, whatever the service set or mode: a real
 * run holds a row in `service_locks` for each service it touches. All of a run's rows are taken in one
 * transaction before its workflow starts (the primary key decides between two racing starts: the
 * second one's INSERT waits for the first's commit, then finds the row taken), and released when the
 * run ends (`recordRunEnded`), when its start fails, and when it is terminated.
 *
 * A lock whose holder has ended — the trail says so, or Temporal has no open execution of it — is
 * taken over, so a crash between two of these steps never locks a service for good.
 */
import type { Db } from '../audit/database';
import { realRunsDb } from './tables';

export interface LockRequest {
  runId: string;
  mode: string;
  services: readonly string[];
  /** Who starts the run. */
  actor: string;
}

export interface LockHolder {
  service: string;
  runId: string;
  mode: string;
  acquiredAt: Date;
  acquiredBy: string;
}

/** Says whether the run holding a lock has ended (then its lock may be taken over). */
export type HolderEnded = (holder: LockHolder) => Promise<boolean>;

export type LockOutcome = { acquired: true } | { acquired: false; holder: LockHolder };

/** Thrown inside the taking transaction to roll it back when a row was already taken. */
class LockTaken extends Error {}

/** How often to look again when a racing start took a row between our read and our insert. */
const ATTEMPTS = 3;

/**
 * Takes the locks of every service in `request`, all or none.
 * @returns `acquired`, or the holder of a lock that stands (an active run), to name in the refusal.
 */
export async function acquireServiceLocks(db: Db, request: LockRequest, holderEnded: HolderEnded): Promise<LockOutcome> {
  // Sorted, so two transactions insert in the same order and never deadlock.
  const services = [...new Set(request.services)].sort();
  if (services.length === 0) return { acquired: true };
  const locks = realRunsDb(db);
  for (let attempt = 1; ; attempt++) {
    const held = await currentLocks(db, services);
    const stale: LockHolder[] = [];
    for (const holder of held) {
      if (!(await holderEnded(holder))) return { acquired: false, holder };
      stale.push(holder);
    }
    try {
      await locks.transaction().execute(async (trx) => {
        // Take over only the stale rows as read: one re-taken meanwhile by another run stays.
        for (const s of stale) {
          await trx.deleteFrom('service_locks').where('service', '=', s.service).where('run_id', '=', s.runId).execute();
        }
        const inserted = await trx
          .insertInto('service_locks')
          .values(services.map((service) => ({ service, run_id: request.runId, mode: request.mode, acquired_by: request.actor })))
          .onConflict((oc) => oc.column('service').doNothing())
          .returning('service')
          .execute();
        if (inserted.length !== services.length) throw new LockTaken();
      });
      return { acquired: true };
    } catch (err) {
      if (!(err instanceof LockTaken)) throw err;
      // A racing start committed first: look again (its run is the holder now).
      if (attempt >= ATTEMPTS) {
        const [holder] = await currentLocks(db, services);
        if (holder) return { acquired: false, holder };
        if (attempt >= ATTEMPTS * 3) throw new Error(`the locks of ${services.join(', ')} kept changing hands; try again`);
      }
    }
  }
}

/** Releases every lock `runId` holds. Idempotent: releasing twice, or for a drill, changes nothing. */
export async function releaseServiceLocks(db: Db, runId: string): Promise<void> {
  await realRunsDb(db).deleteFrom('service_locks').where('run_id', '=', runId).execute();
}

/** The locks held on `services` (all when not given), by service. */
export async function currentLocks(db: Db, services?: readonly string[]): Promise<LockHolder[]> {
  let query = realRunsDb(db).selectFrom('service_locks').selectAll();
  if (services) {
    if (services.length === 0) return [];
    query = query.where('service', 'in', [...services]);
  }
  const rows = await query.orderBy('service').execute();
  return rows.map((r) => ({ service: r.service, runId: r.run_id, mode: r.mode, acquiredAt: r.acquired_at, acquiredBy: r.acquired_by }));
}
