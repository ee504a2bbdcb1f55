/** The applied inventory's RTO/RPO targets (the `services` table), as the campaign loader takes them. */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { InventoryTargets } from '../runbook/inventory-check';
import { programmeDb } from './tables';

/** The targets of every service of the applied inventory (none retired); no services: undefined. */
export async function appliedInventoryTargets(db: Kysely<Database>): Promise<InventoryTargets | undefined> {
  const rows = await programmeDb(db).selectFrom('services').select(['name', 'rto_ms', 'rpo_ms']).where('retired_at', 'is', null).execute();
  if (rows.length === 0) return undefined;
  return { file: 'the applied inventory', services: rows.map((r) => ({ name: r.name, rtoMs: Number(r.rto_ms), rpoMs: Number(r.rpo_ms) })) };
}
