/**
 * Every migration, by name. A static index instead of reading the folder: it works the same under jest
 * (TypeScript sources) and compiled into dist/. Names sort by their timestamp prefix; add, never rename.
 */
import type { Migration } from 'kysely';
import * as auditTrail from './2025_01_15_090000_audit_trail';
import * as operators from './2026_11_25_120000_operators';
import * as inventory from './2026_11_25_121000_inventory';
import * as benchIndexes from './2026_11_25_130000_bench_indexes';
import * as findings from './2026_11_25_140000_findings';
import * as realRuns from './2026_12_04_100000_real_runs';
import * as frontDoor from './2026_12_04_120000_front_door';
import * as recurringBlackouts from './2026_12_04_180000_recurring_blackouts';
import * as consoleSessions from './2026_12_05_090000_console_sessions';
import * as readiness from './2026_12_05_130000_readiness';
import * as notificationDeliveries from './2026_12_05_140000_notification_deliveries';

export const migrations: Record<string, Migration> = {
  '2025_01_15_090000_audit_trail': auditTrail,
  '2026_11_25_120000_operators': operators,
  '2026_11_25_121000_inventory': inventory,
  '2026_11_25_130000_bench_indexes': benchIndexes,
  '2026_11_25_140000_findings': findings,
  '2026_12_04_100000_real_runs': realRuns,
  '2026_12_04_120000_front_door': frontDoor,
  '2026_12_04_180000_recurring_blackouts': recurringBlackouts,
  '2026_12_05_090000_console_sessions': consoleSessions,
  '2026_12_05_130000_readiness': readiness,
  '2026_12_05_140000_notification_deliveries': notificationDeliveries,
};
