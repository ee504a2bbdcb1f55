/**
 * Inventory problems, in the runbook diagnostics' shape (file:line:col, path, code, message), with the
 * codes of the inventory's own cross-field checks added to the runbook catalog's.
 */
import type { Diagnostic, DiagnosticCode } from '../runbook/diagnostics';

/** Codes of inventory checks. A contract (tests, CI annotations): add, never rename. */
export const INVENTORY_DIAGNOSTIC_CODES = {
  'inventory.not_a_map': 'the document is not a mapping of inventory fields',
  'inventory.duplicate_service': 'two services with one name',
  'inventory.runbook_unreadable': 'a runbook file that cannot be read',
  'inventory.runbook_invalid': 'a runbook file with errors',
  'inventory.runbook_other_service': "a runbook whose `services` do not name the service",
  'inventory.runbook_mode': 'a mode the runbook does not support',
  'inventory.runbook_params': 'params the runbook does not accept',
  'inventory.unknown_step': 'an expected duration for a step the runbook does not have',
  'inventory.duplicate_runbook': 'the same runbook listed twice for a service',
  'inventory.cadence_gap': 'a schedule that leaves a cadence period without a drill',
  'inventory.schedule_real_run': 'a schedule on a runbook listed for a real failover or failback (only drills are scheduled)',
  'inventory.blackout_order': 'a blackout window that ends before it starts',
  'inventory.blackout_form': 'a blackout window that is neither fixed (start, end) nor recurring (every), or mixes the forms',
  'inventory.unknown_service': 'a blackout window naming a service not in the inventory',
  'objectives.disagree': "a runbook's objectives differ from the inventory's targets",
} as const;
export type InventoryDiagnosticCode = keyof typeof INVENTORY_DIAGNOSTIC_CODES;

export type ProgrammeDiagnostic = Omit<Diagnostic, 'code'> & { code: DiagnosticCode | InventoryDiagnosticCode };
