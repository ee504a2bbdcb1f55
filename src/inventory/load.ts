/**
 * YAML -> checked inventory, with every problem as file:line:col: the schema's, then cross-field
 * checks (unique names, each runbook loads, names the service, supports the mode, accepts the params;
 * blackout windows in order; schedules that cover every cadence period) and, as warnings, runbooks
 * whose objectives disagree with the inventory's targets.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../plan/canonical';
import { resolveParams } from '../plan/params';
import type { Plan } from '../plan/types';
import { sortDiagnostics } from '../runbook/diagnostics';
import type { AdapterRegistry } from '../runbook/adapter-inputs';
import { isRecord, type Path } from '../runbook/findings';
import { describeDisagreement, objectiveDisagreements } from '../runbook/inventory-check';
import { loadRunbookFile } from '../runbook/load';
import { locate, parseRunbookYaml, type RunbookSource } from '../runbook/parse';
import { issueFindings } from '../runbook/zod-issues';
import type { InventoryDiagnosticCode, ProgrammeDiagnostic } from './diagnostics';
import { cadenceOf, InventorySchema, MONTHS, type Blackout, type Cadence, type Inventory, type InventoryService, type ServiceRunbook } from './schema';

/** A runbook of a service, loaded: its plan and hash as a run would pin them. */
export interface LoadedServiceRunbook extends ServiceRunbook {
  /** Absolute path of the runbook file. */
  path: string;
  plan: Plan;
  planHash: string;
  /** The params a run gets (defaults applied, typed). */
  resolvedParams: Record<string, string | number | boolean>;
}

export interface LoadedService extends Omit<InventoryService, 'runbooks'> {
  runbooks: LoadedServiceRunbook[];
  /** sha256 of the entry as written (canonical): a change is a "significant change" to drill after. */
  entryHash: string;
}

export interface LoadedInventory extends Omit<Inventory, 'services'> {
  file: string;
  services: LoadedService[];
}

export interface InventoryLoadResult {
  /** Present only when there are no errors (warnings allowed). */
  inventory?: LoadedInventory;
  diagnostics: ProgrammeDiagnostic[];
}

/** Reads and checks an inventory file; its runbooks are validated against `registry`. Never throws. */
export function loadInventoryFile(file: string, registry: AdapterRegistry): InventoryLoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'file.unreadable', message: `cannot read inventory: ${reason}`, severity: 'error' }] };
  }
  return loadInventoryText(text, file, registry);
}

/** Checks inventory text; runbook paths are read relative to `file`'s folder. Never throws. */
export function loadInventoryText(text: string, file: string, registry: AdapterRegistry): InventoryLoadResult {
  const source = parseRunbookYaml(text, file);
  const diagnostics: ProgrammeDiagnostic[] = source.diagnostics.map((d) => ({
    ...d,
    message: d.message.replace('a runbook file holds one YAML document', 'an inventory file holds one YAML document'),
  }));
  if (source.value === undefined) return { diagnostics };
  const report = (p: Path, code: ProgrammeDiagnostic['code'], message: string, severity: 'error' | 'warning' = 'error', at?: 'key') => {
    const { line, col } = locate(source, p, { key: at === 'key' });
    diagnostics.push({ file, line, col, path: p, code, message, severity });
  };
  if (!isRecord(source.value)) {
    report([], 'inventory.not_a_map', 'an inventory is a YAML mapping (apiVersion, kind, services, ...)');
    return { diagnostics };
  }
  const parsed = InventorySchema.safeParse(source.value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const f of issueFindings(issue, { schema: InventorySchema, data: source.value, basePath: [] })) {
        report(f.path, f.code, f.message, f.severity ?? 'error', f.at);
      }
    }
    return { diagnostics: sortDiagnostics(diagnostics as never) as ProgrammeDiagnostic[] };
  }
  const inventory = parsed.data;
  const services = checkServices(inventory, source, registry, report);
  checkBlackouts(inventory, report);
  const errors = diagnostics.some((d) => d.severity === 'error');
  const sorted = sortDiagnostics(diagnostics as never) as ProgrammeDiagnostic[];
  if (errors) return { diagnostics: sorted };
  return { inventory: { ...inventory, file, services }, diagnostics: sorted };
}

type Report = (p: Path, code: ProgrammeDiagnostic['code'], message: string, severity?: 'error' | 'warning') => void;

function checkServices(inventory: Inventory, source: RunbookSource, registry: AdapterRegistry, report: Report): LoadedService[] {
  const firstAt = new Map<string, number>();
  const dir = path.dirname(path.resolve(source.file));
  const targets = inventory.services.map((s) => ({ name: s.name, rtoMs: s.objectives.rto, rpoMs: s.objectives.rpo }));
  const loaded: LoadedService[] = [];
  inventory.services.forEach((service, i) => {
    const first = firstAt.get(service.name);
    if (first !== undefined) {
      report(['services', i, 'name'], 'inventory.duplicate_service', `service "${service.name}" is listed twice (first at line ${locate(source, ['services', first, 'name']).line})`);
    } else {
      firstAt.set(service.name, i);
    }
    const runbooks: LoadedServiceRunbook[] = [];
    const seenFiles = new Set<string>();
    service.runbooks.forEach((rb, j) => {
      const at: Path = ['services', i, 'runbooks', j];
      const abs = path.resolve(dir, rb.file);
      if (seenFiles.has(`${abs}:${rb.mode}`)) report([...at, 'file'], 'inventory.duplicate_runbook', `runbook ${rb.file} (${rb.mode}) is listed twice for "${service.name}"`);
      seenFiles.add(`${abs}:${rb.mode}`);
      const result = loadRunbookFile(abs, { registry });
      if (!result.plan || !result.planHash) {
        const unreadable = result.diagnostics.find((d) => d.code === 'file.unreadable');
        if (unreadable) {
          report([...at, 'file'], 'inventory.runbook_unreadable', `${unreadable.message} (${abs})`);
        } else {
          const errs = result.diagnostics.filter((d) => d.severity === 'error');
          const firstErr = errs[0];
          report([...at, 'file'], 'inventory.runbook_invalid', `runbook ${rb.file} has ${errs.length} error(s); first: ${firstErr ? `${firstErr.line}:${firstErr.col}: ${firstErr.message}` : '?'} (run drillbook validate ${rb.file})`);
        }
        return;
      }
      const plan = result.plan;
      if (!plan.services.includes(service.name)) {
        report([...at, 'file'], 'inventory.runbook_other_service', `runbook "${plan.runbook.name}" drills ${plan.services.join(', ')}, not "${service.name}"; add it to the runbook's services`);
      }
      if (!plan.modes.includes(rb.mode)) {
        report([...at, 'mode'], 'inventory.runbook_mode', `runbook "${plan.runbook.name}" supports ${plan.modes.join(', ')}, not ${rb.mode}`);
      }
      const { values, errors } = resolveParams(plan, rb.params);
      for (const e of errors) report([...at, 'params'], 'inventory.runbook_params', `runbook "${plan.runbook.name}": ${e}`);
      const stepIds = new Set(plan.steps.map((s) => s.id));
      for (const stepId of Object.keys(rb.expectedDurations)) {
        if (!stepIds.has(stepId)) report([...at, 'expectedDurations', stepId], 'inventory.unknown_step', `runbook "${plan.runbook.name}" has no step "${stepId}"`);
      }
      for (const d of objectiveDisagreements(plan, targets.filter((t) => t.name === service.name))) {
        report([...at, 'file'], 'objectives.disagree', `runbook "${plan.runbook.name}": ${describeDisagreement(d, source.file)}`, 'warning');
      }
      // A schedule starts drills only: a real failover or failback starts through the API, from a
      // registered runbook version, holding its services' locks (docs/operators.md).
      if (rb.schedule && rb.mode !== 'drill') {
        report([...at, 'schedule'], 'inventory.schedule_real_run', `only drills are scheduled: runbook ${rb.file} is listed in mode ${rb.mode}; a real ${rb.mode} starts through the API (drillbook run) from a registered runbook version`);
      }
      if (rb.schedule) checkCadenceCover(cadenceOf(service), rb.schedule.months, [...at, 'schedule', 'months'], report);
      runbooks.push({ ...rb, path: abs, plan, planHash: result.planHash, resolvedParams: values });
    });
    const { runbooks: _written, ...rest } = service;
    loaded.push({ ...rest, runbooks, entryHash: entryHash(service) });
  });
  return loaded;
}

/** Every period of the cadence (quarter, half, year) must hold at least one scheduled month. */
function checkCadenceCover(cadence: Cadence, months: readonly string[], at: Path, report: Report): void {
  const perPeriod = cadence === 'quarterly' ? 3 : cadence === 'half-yearly' ? 6 : 12;
  const indexes = months.map((m) => MONTHS.indexOf(m as (typeof MONTHS)[number]));
  for (let start = 0; start < 12; start += perPeriod) {
    if (!indexes.some((m) => m >= start && m < start + perPeriod)) {
      const period = MONTHS.slice(start, start + perPeriod);
      report(at, 'inventory.cadence_gap', `a ${cadence} service needs a drill in ${period[0]}-${period[period.length - 1]}, but none is scheduled then`, 'warning');
    }
  }
}

function checkBlackouts(inventory: Inventory, report: Report): void {
  const names = new Set(inventory.services.map((s) => s.name));
  inventory.blackouts.forEach((b, i) => {
    checkBlackoutForm(b, ['blackouts', i], report);
    (b.services ?? []).forEach((s, j) => {
      if (!names.has(s)) report(['blackouts', i, 'services', j], 'inventory.unknown_service', `blackout "${b.name}" names service "${s}", which the inventory does not list`);
    });
  });
}

/** Either fixed (`start` and `end`, in order) or recurring (`every`: weekdays or month days, not both). */
function checkBlackoutForm(b: Blackout, at: Path, report: Report): void {
  if (b.every) {
    for (const key of ['start', 'end'] as const) {
      if (b[key] !== undefined) report([...at, key], 'inventory.blackout_form', `blackout "${b.name}" is recurring (every) or fixed (start/end), not both`);
    }
    if (b.every.days && b.every.monthDays) report([...at, 'every', 'monthDays'], 'inventory.blackout_form', `blackout "${b.name}" recurs on weekdays (days) or on days of the month (monthDays), not both`);
    if (b.every.from === '24:00') {
      report([...at, 'every', 'from'], 'inventory.blackout_order', `blackout "${b.name}" cannot start at 24:00; start at "00:00"`);
    } else if (b.every.from === b.every.to) {
      report([...at, 'every', 'to'], 'inventory.blackout_order', `blackout "${b.name}" starts and ends at ${b.every.from}: say "00:00" to "24:00" for whole days, or a later (or, overnight, earlier) end`);
    }
    return;
  }
  if (b.start === undefined || b.end === undefined) {
    const missing = b.start === undefined ? 'start' : 'end';
    report(b.start === undefined && b.end === undefined ? [...at, 'name'] : [...at, b.start === undefined ? 'end' : 'start'], 'inventory.blackout_form', `blackout "${b.name}" needs ${b.start === undefined && b.end === undefined ? 'start and end (a fixed window) or every (a recurring one)' : `"${missing}" beside it`}`);
    return;
  }
  if (Date.parse(b.end) <= Date.parse(b.start)) report([...at, 'end'], 'inventory.blackout_order', `blackout "${b.name}" ends (${b.end}) before it starts (${b.start})`);
}

/**
 * The hash of a service entry as the inventory defines it (after defaults): any change moves it, but
 * how often its readiness is evaluated, which changes nothing a drill would test.
 */
export function entryHash(service: InventoryService): string {
  const { readiness: _readiness, ...entry } = service;
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

/** `file:line:col: severity: message`, as the runbook diagnostics print. */
export function formatProgrammeDiagnostic(d: ProgrammeDiagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export type { InventoryDiagnosticCode };

/**
 * Only the services' RTO/RPO targets, for checking runbooks against them: the schema is checked but
 * the runbooks the inventory names are not loaded (one of them may be the broken file being validated).
 * @returns undefined when the file cannot be read or its shape is invalid.
 */
export function loadInventoryTargets(file: string): { file: string; services: { name: string; rtoMs: number; rpoMs: number }[] } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const source = parseRunbookYaml(text, file);
  const parsed = InventorySchema.safeParse(source.value);
  if (!parsed.success) return undefined;
  return { file, services: parsed.data.services.map((s) => ({ name: s.name, rtoMs: s.objectives.rto, rpoMs: s.objectives.rpo })) };
}
