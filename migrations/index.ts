/**
 * Every migration, by name. A static index instead of reading the folder: it works the same under jest
 * (TypeScript sources) and compiled into dist/. Names sort by their timestamp prefix; add, never rename.
 */
import type { Migration } from 'kysely';
import * as auditTrail from './2025_01_15_090000_audit_trail';

export const migrations: Record<string, Migration> = {
  '2025_01_15_090000_audit_trail': auditTrail,
};
