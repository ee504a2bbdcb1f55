/**
 * The inventory is the single source of truth for RTO/RPO targets: a runbook that states other
 * objectives for a service the inventory lists is flagged (a warning, at the objective's position).
 * Optional: `validate` runs it when an inventory is at hand.
 */
import { formatDuration } from '../plan/duration';
import type { Objectives } from '../plan/types';
import type { ProgrammeDiagnostic } from '../inventory/diagnostics';
import { locate, type RunbookSource } from './parse';

/** What this check needs of the inventory: each service's targets, in ms. */
export interface InventoryTargets {
  /** Where the targets come from, for the message (e.g. inventory/services.yaml). */
  file: string;
  services: ReadonlyArray<{ name: string; rtoMs: number; rpoMs: number }>;
}

export interface ObjectiveDisagreement {
  service: string;
  objective: 'rto' | 'rpo';
  runbookMs: number;
  inventoryMs: number;
}

/** The objectives a runbook states that differ from the inventory's targets of its services. Pure. */
export function objectiveDisagreements(
  runbook: { services: readonly string[]; objectives: Objectives },
  targets: InventoryTargets['services'],
): ObjectiveDisagreement[] {
  const out: ObjectiveDisagreement[] = [];
  for (const name of runbook.services) {
    const target = targets.find((t) => t.name === name);
    if (!target) continue;
    if (runbook.objectives.rtoMs !== undefined && runbook.objectives.rtoMs !== target.rtoMs) {
      out.push({ service: name, objective: 'rto', runbookMs: runbook.objectives.rtoMs, inventoryMs: target.rtoMs });
    }
    if (runbook.objectives.rpoMs !== undefined && runbook.objectives.rpoMs !== target.rpoMs) {
      out.push({ service: name, objective: 'rpo', runbookMs: runbook.objectives.rpoMs, inventoryMs: target.rpoMs });
    }
  }
  return out;
}

export function describeDisagreement(d: ObjectiveDisagreement, inventoryFile: string): string {
  const what = d.objective.toUpperCase();
  return `${what} ${formatDuration(d.runbookMs)} differs from the inventory's ${what} target for "${d.service}" (${formatDuration(d.inventoryMs)}, ${inventoryFile}); the inventory is the source of truth`;
}

/** Warnings at the runbook's `objectives.rto` / `objectives.rpo`. Never throws. */
export function checkRunbookAgainstInventory(
  source: RunbookSource,
  runbook: { services: readonly string[]; objectives: Objectives },
  inventory: InventoryTargets,
): ProgrammeDiagnostic[] {
  return objectiveDisagreements(runbook, inventory.services).map((d) => {
    const path = ['objectives', d.objective];
    const { line, col } = locate(source, path);
    return {
      file: source.file,
      line,
      col,
      path,
      code: 'objectives.disagree' as const,
      message: describeDisagreement(d, inventory.file),
      severity: 'warning' as const,
    };
  });
}
