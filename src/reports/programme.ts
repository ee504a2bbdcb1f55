/** The inventory as the reports read it: the one source of truth for targets and criticality. */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { programmeSettings } from '../coverage/query';
import { programmeDb } from '../inventory/tables';

export interface InventoryService {
  name: string;
  owner: string;
  criticality: string;
  critical: boolean;
  cadence: string;
  rtoMs: number;
  rpoMs: number;
  entryChangedAt: Date;
}

export async function inventoryServices(db: Kysely<Database>): Promise<InventoryService[]> {
  const rows = await programmeDb(db).selectFrom('services').selectAll().where('retired_at', 'is', null).orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name, owner: r.owner, criticality: r.criticality, critical: r.criticality === 'critical', cadence: r.cadence,
    rtoMs: Number(r.rto_ms), rpoMs: Number(r.rpo_ms), entryChangedAt: r.entry_changed_at,
  }));
}

/** The programme's time zone; UTC when no inventory was applied. */
export async function programmeTimeZone(db: Kysely<Database>): Promise<string> {
  return (await programmeSettings(db))?.timezone ?? 'UTC';
}
