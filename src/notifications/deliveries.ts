/**
 * The dispatcher's outbox (`notification_deliveries`, migrations/2026_12_05_140000_…): a row per
 * notifying event and target, enqueued once (unique on both), leased while a dispatcher posts it,
 * retried with exponential backoff, ended as `delivered` or `failed` — together with the audit event
 * that records the outcome (chain `notifications:<run id>`, or `notifications`), in one transaction.
 */
import { sql, type ColumnType, type Generated, type Kysely, type Selectable } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import type { Int8 } from '../audit/tables/column-types';
import type { Json } from '../plan/types';
import type { Notice } from './kinds';

/** The chain of notices about no run (readiness); a run's notices go to `notifications:<run id>`. */
export const NOTIFICATIONS_CHAIN = 'notifications';

/** A chain per run, as its alerts have (`alerts:<run id>`): the run's own chain ends with its outcome. */
export function notificationsChain(runId: string | null): string {
  return runId ? `${NOTIFICATIONS_CHAIN}:${runId}` : NOTIFICATIONS_CHAIN;
}

export interface NotificationDeliveriesTable {
  id: Generated<Int8>;
  event_key: string;
  event_id: Int8;
  target: string;
  kind: string;
  notice: ColumnType<Notice, Notice, Notice>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_status: number | null;
  last_error: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

// A type alias, not an interface: withTables wants a record type.
export type NotificationTables = { notification_deliveries: NotificationDeliveriesTable };
export type DeliveryRow = Selectable<NotificationDeliveriesTable>;

function deliveriesDb(db: Kysely<Database>): Kysely<Database & NotificationTables> {
  return db.withTables<NotificationTables>();
}

export interface NewDelivery {
  eventKey: string;
  eventId: string;
  target: string;
  notice: Notice;
}

/** Enqueues each (event, target) once; a repeat (another dispatcher, a restart) is ignored. */
export async function enqueueDeliveries(db: Kysely<Database>, rows: NewDelivery[]): Promise<number> {
  if (!rows.length) return 0;
  const result = await deliveriesDb(db)
    .insertInto('notification_deliveries')
    .values(rows.map((r) => ({ event_key: r.eventKey, event_id: r.eventId, target: r.target, kind: r.notice.kind, notice: JSON.stringify(r.notice) as unknown as Notice, status: 'pending' as const })))
    .onConflict((oc) => oc.columns(['event_key', 'target']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** Takes up to `limit` deliveries that are due and not held by another dispatcher, for `leaseMs`. */
export async function claimDueDeliveries(db: Kysely<Database>, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
  const { rows } = await sql<DeliveryRow>`
    UPDATE notification_deliveries SET leased_until = now() + ${`${leaseMs} milliseconds`}::interval
    WHERE id IN (
      SELECT id FROM notification_deliveries
      WHERE status = 'pending' AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
      ORDER BY next_attempt_at, id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return rows;
}

/** When the next delivery falls due (to sleep no longer than that), if any is pending. */
export async function nextDueAt(db: Kysely<Database>): Promise<Date | undefined> {
  const row = await deliveriesDb(db).selectFrom('notification_deliveries').select((eb) => eb.fn.min('next_attempt_at').as('due')).where('status', '=', 'pending').executeTakeFirst();
  return row?.due ? new Date(row.due as Date) : undefined;
}

export interface AttemptOutcome {
  /** The HTTP status, when the webhook answered. */
  httpStatus: number | null;
  /** Why it failed, never naming the URL (see activities/notification-activities.ts). */
  error: string | null;
}

/** A failed attempt that will be tried again after `delayMs`. */
export async function retryDeliveryLater(db: Kysely<Database>, row: DeliveryRow, outcome: AttemptOutcome, delayMs: number): Promise<void> {
  await deliveriesDb(db)
    .updateTable('notification_deliveries')
    .set({
      attempts: row.attempts + 1,
      next_attempt_at: new Date(Date.now() + delayMs),
      leased_until: null,
      last_status: outcome.httpStatus,
      last_error: outcome.error,
    })
    .where('id', '=', row.id)
    .execute();
}

/**
 * Ends a delivery — delivered, or failed for good — with its audit event, in one transaction. The
 * event names the target and its URL's origin only.
 */
export async function endDelivery(
  db: Kysely<Database>,
  row: DeliveryRow,
  end: AttemptOutcome & { status: 'delivered' | 'failed'; origin: string; format: string; actor: string },
): Promise<void> {
  const attempts = row.attempts + 1;
  const notice = row.notice;
  const data: { [k: string]: Json } = {
    eventKey: row.event_key,
    eventType: notice.event.type,
    kind: notice.kind,
    target: row.target,
    origin: end.origin,
    format: end.format,
    status: end.status,
    attempts,
    httpStatus: end.httpStatus,
    ...(end.error ? { error: end.error } : {}),
  };
  await appendAuditEvents(
    db,
    [
      {
        key: `${NOTIFICATIONS_CHAIN}/${row.target}/${row.event_key}`,
        chainId: notificationsChain(notice.runId),
        runId: notice.runId,
        type: end.status === 'delivered' ? 'notification.delivered' : 'notification.failed',
        stepId: notice.step,
        actor: end.actor,
        data,
      },
    ],
    async (trx) => {
      await trx
        .withTables<NotificationTables>()
        .updateTable('notification_deliveries')
        .set({ status: end.status, attempts, leased_until: null, last_status: end.httpStatus, last_error: end.error, ended_at: new Date() })
        .where('id', '=', row.id)
        .execute();
    },
  );
}

