/**
 * The notification settings and targets of the inventory as last applied (`drillbook inventory
 * apply`): read by the dispatcher at every poll, so an apply takes effect without a restart.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { programmeSettings } from '../coverage/query';
import { NOTIFY_FORMATS, type NotifyFormat } from '../inventory/schema';
import { programmeDb } from '../inventory/tables';
import type { TargetDirectory } from './targets';

export interface DeliverySettings {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** The console's public address, for links. */
  link?: string;
  rtoShare: number;
}

export const DELIVERY_DEFAULTS = { attempts: 5, backoffMs: 1_000, timeoutMs: 10_000, rtoShare: 0.8 } as const;

export interface NotificationDirectory {
  targets: TargetDirectory;
  settings: DeliverySettings;
  /** Per service: its RTO target and its own share override (threshold alerts of every run). */
  services: ReadonlyMap<string, { rtoMs: number; rtoShare?: number; owner: string; runbooks: { name: string; expectedDurations: Record<string, number> }[] }>;
}

export async function loadNotificationDirectory(db: Kysely<Database>): Promise<NotificationDirectory> {
  const [settings, rows] = await Promise.all([
    programmeSettings(db),
    programmeDb(db).selectFrom('services').select(['name', 'owner', 'notify', 'rto_ms', 'entry', 'runbooks']).where('retired_at', 'is', null).execute(),
  ]);
  const targets = new Map<string, { notify: string | null; format?: NotifyFormat }>();
  const services = new Map<string, { rtoMs: number; rtoShare?: number; owner: string; runbooks: { name: string; expectedDurations: Record<string, number> }[] }>();
  for (const r of rows) {
    const entry = (r.entry ?? {}) as { notifyFormat?: string; alerts?: { rtoShare?: number }; runbooks?: { expectedDurations?: Record<string, number> }[] };
    targets.set(r.name, { notify: r.notify, ...(isFormat(entry.notifyFormat) ? { format: entry.notifyFormat } : {}) });
    services.set(r.name, {
      rtoMs: Number(r.rto_ms),
      ...(typeof entry.alerts?.rtoShare === 'number' ? { rtoShare: entry.alerts.rtoShare } : {}),
      owner: r.owner,
      // The applied runbooks and the entry's list are in the same order (src/inventory/apply.ts).
      runbooks: r.runbooks.map((b, i) => ({ name: b.name, expectedDurations: entry.runbooks?.[i]?.expectedDurations ?? {} })),
    });
  }
  return {
    targets: { services: targets, webhook: settings?.webhook ?? null, ...(isFormat(settings?.format) ? { format: settings.format } : {}) },
    settings: {
      attempts: settings?.attempts ?? DELIVERY_DEFAULTS.attempts,
      backoffMs: settings?.backoffMs ?? DELIVERY_DEFAULTS.backoffMs,
      timeoutMs: settings?.timeoutMs ?? DELIVERY_DEFAULTS.timeoutMs,
      rtoShare: settings?.rtoShare ?? DELIVERY_DEFAULTS.rtoShare,
      ...(settings?.link ? { link: settings.link } : {}),
    },
    services,
  };
}

function isFormat(v: unknown): v is NotifyFormat {
  return typeof v === 'string' && (NOTIFY_FORMATS as readonly string[]).includes(v);
}
