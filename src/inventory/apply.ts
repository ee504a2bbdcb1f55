/**
 * Applies a checked inventory to the database in one transaction: services upserted (the entry's
 * change time moves only when its hash changes), services no longer listed retired, blackout windows
 * replaced, the programme settings recorded, and one `inventory.applied` audit event when anything
 * changed (chain `inventory`).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { jsonb } from '../audit/jsonb';
import { canonicalJson } from '../plan/canonical';
import type { Json } from '../plan/types';
import type { LoadedInventory } from './load';
import { cadenceOf } from './schema';
import { programmeDb, type AppliedRunbook, type ProgrammeSettings } from './tables';

export interface ApplyResult {
  added: string[];
  changed: string[];
  retired: string[];
  unchanged: string[];
  blackouts: number;
}

export const INVENTORY_CHAIN = 'inventory';

export async function applyInventory(db: Kysely<Database>, inventory: LoadedInventory, appliedBy: string, now = new Date()): Promise<ApplyResult> {
  const pdb = programmeDb(db);
  const settings: ProgrammeSettings = {
    timezone: inventory.timezone,
    webhook: inventory.notifications.webhook ?? null,
    dueWithinMs: inventory.notifications.dueWithin,
    rtoShare: inventory.alerts.rtoShare,
    // Only when set: an inventory without them keeps the hash (and so the trail) it had before.
    ...definedOnly({
      format: inventory.notifications.format,
      link: inventory.notifications.link,
      attempts: inventory.notifications.retry?.attempts,
      backoffMs: inventory.notifications.retry?.backoff,
      timeoutMs: inventory.notifications.timeout,
    }),
  };
  const inventoryHash = createHash('sha256')
    .update(canonicalJson({ settings, services: inventory.services.map((s) => s.entryHash), blackouts: inventory.blackouts }))
    .digest('hex');
  return pdb.transaction().execute(async (trx) => {
    const existing = new Map((await trx.selectFrom('services').select(['name', 'entry_hash', 'retired_at']).forUpdate().execute()).map((r) => [r.name, r]));
    const result: ApplyResult = { added: [], changed: [], retired: [], unchanged: [], blackouts: inventory.blackouts.length };
    for (const s of inventory.services) {
      const before = existing.get(s.name);
      const runbooks: AppliedRunbook[] = s.runbooks.map((r) => ({
        file: r.file,
        name: r.plan.runbook.name,
        version: r.plan.runbook.version,
        mode: r.mode,
        planHash: r.planHash,
        objectives: r.plan.objectives,
      }));
      const { runbooks: _loaded, entryHash, ...entry } = s;
      const row = {
        owner: s.owner,
        notify: s.notify ?? null,
        criticality: s.criticality,
        sites: s.sites,
        rto_ms: s.objectives.rto,
        rpo_ms: s.objectives.rpo,
        cadence: cadenceOf(s),
        runbooks: jsonb(runbooks) as unknown as AppliedRunbook[],
        entry: jsonb({ ...entry, runbooks: s.runbooks.map(({ plan: _p, path: _a, resolvedParams: _v, ...rb }) => rb) }) as unknown as Json,
        entry_hash: entryHash,
        retired_at: null,
        updated_at: now,
      };
      if (!before) {
        await trx.insertInto('services').values({ name: s.name, ...row, first_applied_at: now, entry_changed_at: now }).execute();
        result.added.push(s.name);
      } else if (before.entry_hash !== entryHash || before.retired_at !== null) {
        await trx.updateTable('services').set({ ...row, entry_changed_at: now }).where('name', '=', s.name).execute();
        result.changed.push(s.name);
      } else {
        // Same entry: runbook hashes may still have moved (the runbook file changed), so refresh them.
        await trx.updateTable('services').set({ runbooks: row.runbooks, updated_at: now }).where('name', '=', s.name).execute();
        result.unchanged.push(s.name);
      }
    }
    const listed = new Set(inventory.services.map((s) => s.name));
    for (const [name, r] of existing) {
      if (!listed.has(name) && r.retired_at === null) {
        await trx.updateTable('services').set({ retired_at: now, updated_at: now }).where('name', '=', name).execute();
        result.retired.push(name);
      }
    }
    await trx.deleteFrom('blackout_windows').execute();
    if (inventory.blackouts.length) {
      await trx
        .insertInto('blackout_windows')
        .values(
          inventory.blackouts.map((b) => ({
            name: b.name,
            starts_at: b.start ?? null,
            ends_at: b.end ?? null,
            recurrence: b.every ? (jsonb(b.every) as unknown as Json) : null,
            reason: b.reason ?? null,
            services: b.services ?? null,
          })),
        )
        .execute();
    }
    const last = await trx.selectFrom('inventory_applies').select('inventory_hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    await trx.insertInto('inventory_applies').values({ file: inventory.file, inventory_hash: inventoryHash, settings: jsonb(settings) as unknown as ProgrammeSettings, applied_by: appliedBy }).execute();
    if (result.added.length || result.changed.length || result.retired.length || last?.inventory_hash !== inventoryHash) {
      // The same transaction: the audit event and the change it records commit together.
      await appendAuditEvents(trx as unknown as Transaction<Database>, [
        {
          key: `${INVENTORY_CHAIN}/applied/${randomUUID()}`,
          chainId: INVENTORY_CHAIN,
          runId: null,
          type: 'inventory.applied',
          actor: appliedBy,
          at: now,
          data: { file: inventory.file, inventoryHash, added: result.added, changed: result.changed, retired: result.retired, blackouts: result.blackouts },
        },
      ]);
    }
    return result;
  });
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
