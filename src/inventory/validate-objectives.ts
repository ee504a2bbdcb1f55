/**
 * What `drillbook validate --inventory` adds: for each valid runbook, warnings where its objectives
 * disagree with the inventory's targets. The default inventory is inventory/services.yaml under the
 * working directory, when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Objectives } from '../plan/types';
import { checkRunbookAgainstInventory } from '../runbook/inventory-check';
import { parseRunbookYaml } from '../runbook/parse';
import type { ProgrammeDiagnostic } from './diagnostics';
import { loadInventoryTargets } from './load';

export const DEFAULT_INVENTORY = path.join('inventory', 'services.yaml');

/** The inventory file to check against: the one given, else the default if it exists. */
export function inventoryFileFor(option: string | undefined): string | undefined {
  if (option) return option;
  return existsSync(DEFAULT_INVENTORY) ? DEFAULT_INVENTORY : undefined;
}

/**
 * Warnings for one runbook file. An unreadable or invalid inventory gives one warning on the
 * inventory itself (validate is about the runbook; `drillbook inventory check` tells what is wrong).
 */
export function objectiveWarnings(runbookFile: string, plan: { services: string[]; objectives: Objectives }, inventoryFile: string): ProgrammeDiagnostic[] {
  const targets = loadInventoryTargets(inventoryFile);
  if (!targets) {
    return [{ file: inventoryFile, line: 1, col: 1, path: [], code: 'schema.invalid', severity: 'warning', message: 'inventory unreadable or invalid; objectives not checked (see drillbook inventory check)' }];
  }
  const source = parseRunbookYaml(readFileSync(runbookFile, 'utf8'), runbookFile);
  return checkRunbookAgainstInventory(source, plan, targets);
}
