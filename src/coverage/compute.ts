/**
 * Coverage of the drill programme: per service, for its current cadence period (the half-year, for a
 * critical service), whether it was drilled, is due, or is overdue; whether its deadline is near;
 * whether the runbook or the inventory entry changed after its last successful drill; and whether a
 * runbook it passed a drill of has been run or registered since in another version (changed since
 * its last pass: regulators want a test after every significant change). Pure: the query layer
 * (query.ts) feeds it rows, the tests feed it a history of their own.
 */
import type { Cadence } from '../inventory/schema';
import { describeDisagreement, objectiveDisagreements, type ObjectiveDisagreement } from '../runbook/inventory-check';
import type { Objectives } from '../plan/types';
import { periodContaining, previousPeriod, type Period } from './periods';

export const COVERAGE_STATUSES = ['drilled', 'due', 'overdue'] as const;
export type CoverageStatus = (typeof COVERAGE_STATUSES)[number];

export interface CoverageService {
  name: string;
  owner: string;
  notify: string | null;
  cadence: Cadence;
  rtoMs: number;
  rpoMs: number;
  /** When the inventory first listed it: a service added this period is due, not overdue. */
  firstAppliedAt: Date;
  /** When its inventory entry last changed. */
  entryChangedAt: Date;
  /** Its runbooks as they are now. */
  runbooks: { name: string; planHash: string; services?: string[]; objectives: Objectives }[];
  /** Per runbook it passed a drill of: that last pass, and the newest word on the runbook since (query.ts). */
  sinceLastPass?: RunbookSinceLastPass[];
}

/**
 * A runbook's last passing drill of a service, and the newest later record of the same runbook for the
 * service: a run of it (any mode, any outcome, started after the pass started) or its registration for
 * real use. That newest record is the runbook as it is now; its plan hash against the pass's says
 * whether it changed since.
 */
export interface RunbookSinceLastPass {
  runbook: string;
  lastPass: { runId: string; version: string; planHash: string; endedAt: Date };
  latest: { source: 'run' | 'registration'; ref: string; version: string; planHash: string; at: Date } | null;
}

/** A runbook whose current version (plan hash) is not the one its last passing drill ran. */
export interface RunbookChangeSincePass {
  runbook: string;
  lastPass: { runId: string; version: string; planHash: string; endedAt: string };
  /** `source` says where the current version was seen: a run (`ref` its run id) or a registration (`ref` its request id). */
  current: { source: 'run' | 'registration'; ref: string; version: string; planHash: string; at: string };
}

export interface CoverageRun {
  runId: string;
  runbookName: string;
  planHash: string;
  mode: string;
  services: string[];
  status: string;
  verdict: string | null;
  endedAt: Date | null;
}

export interface CoverageOptions {
  asOf: Date;
  timeZone: string;
  /** A due service this close to its deadline is "due soon" (notified). */
  dueWithinMs: number;
}

export interface ServiceCoverage {
  service: string;
  owner: string;
  notify: string | null;
  cadence: Cadence;
  period: { id: string; start: string; end: string };
  status: CoverageStatus;
  /** The end of the period: drill before it. */
  deadline: string;
  /** Whole days (rounded down) until the deadline; negative never happens within the period. */
  daysLeft: number;
  dueSoon: boolean;
  /** The successful drill in this period, if any. */
  drilledBy?: string;
  lastDrill?: { runId: string; runbook: string; planHash: string; endedAt: string };
  changedSinceDrill: boolean;
  /** Why it counts as changed (runbook hash, inventory entry). */
  changes: string[];
  /** A runbook of it ran or was registered in another version after its last passing drill. */
  changedSinceLastPass: boolean;
  /** Those runbooks: the last pass's version and hash, the current one's, and when it was seen. */
  runbookChanges: RunbookChangeSincePass[];
  /** Runbooks whose stated objectives differ from the inventory's targets. */
  objectiveMismatches: (ObjectiveDisagreement & { runbook: string; message: string })[];
}

/** A run counts as a drill of a service when it passed, in drill or real failover mode. */
export function isSuccessfulDrill(run: CoverageRun, service: string): boolean {
  return run.status === 'completed' && run.verdict === 'pass' && (run.mode === 'drill' || run.mode === 'failover') && run.endedAt !== null && run.services.includes(service);
}

export function computeCoverage(services: readonly CoverageService[], runs: readonly CoverageRun[], options: CoverageOptions): ServiceCoverage[] {
  const asOf = options.asOf.getTime();
  return [...services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => {
      const period = periodContaining(s.cadence, options.asOf, options.timeZone);
      const previous = previousPeriod(s.cadence, period, options.timeZone);
      const drills = runs
        .filter((r) => isSuccessfulDrill(r, s.name) && r.endedAt!.getTime() <= asOf)
        .sort((a, b) => b.endedAt!.getTime() - a.endedAt!.getTime());
      const within = (p: Period) => drills.find((r) => r.endedAt! >= p.start && r.endedAt! < p.end);
      const current = within(period);
      const existedLastPeriod = s.firstAppliedAt < previous.end;
      const status: CoverageStatus = current ? 'drilled' : existedLastPeriod && !within(previous) ? 'overdue' : 'due';
      const msLeft = period.end.getTime() - asOf;
      const last = drills[0];
      const runbookChanges = changesSinceLastPass(s.sinceLastPass ?? []);
      const changes: string[] = runbookChanges.map(
        (c) => `runbook "${c.runbook}" ${c.current.source === 'run' ? `ran as ${c.current.version} in ${c.current.ref}` : `was registered as ${c.current.version}`} (${c.current.at}, plan ${c.current.planHash.slice(0, 12)}) since its last passing drill ${c.lastPass.runId} of ${c.lastPass.version} (plan ${c.lastPass.planHash.slice(0, 12)})`,
      );
      if (last) {
        const now = s.runbooks.find((r) => r.name === last.runbookName);
        const seen = runbookChanges.some((c) => c.runbook === last.runbookName && c.current.planHash === now?.planHash);
        if (now && now.planHash !== last.planHash && !seen) {
          changes.push(`runbook "${last.runbookName}" changed since drill ${last.runId} (plan ${last.planHash.slice(0, 12)} -> ${now.planHash.slice(0, 12)})`);
        }
        if (s.entryChangedAt > last.endedAt!) changes.push(`inventory entry changed ${s.entryChangedAt.toISOString()}, after drill ${last.runId}`);
      }
      const targets = [{ name: s.name, rtoMs: s.rtoMs, rpoMs: s.rpoMs }];
      const objectiveMismatches = s.runbooks.flatMap((r) =>
        objectiveDisagreements({ services: [s.name], objectives: r.objectives }, targets).map((d) => ({
          ...d,
          runbook: r.name,
          message: `runbook "${r.name}": ${describeDisagreement(d, 'inventory')}`,
        })),
      );
      return {
        service: s.name,
        owner: s.owner,
        notify: s.notify,
        cadence: s.cadence,
        period: { id: period.id, start: period.start.toISOString(), end: period.end.toISOString() },
        status,
        deadline: period.end.toISOString(),
        daysLeft: Math.floor(msLeft / 86_400_000),
        dueSoon: status === 'due' && msLeft <= options.dueWithinMs,
        ...(current ? { drilledBy: current.runId } : {}),
        ...(last ? { lastDrill: { runId: last.runId, runbook: last.runbookName, planHash: last.planHash, endedAt: last.endedAt!.toISOString() } } : {}),
        changedSinceDrill: changes.length > 0,
        changes,
        changedSinceLastPass: runbookChanges.length > 0,
        runbookChanges,
        objectiveMismatches,
      };
    });
}

/** The runbooks whose newest record differs from their last passing drill, by runbook name. */
export function changesSinceLastPass(seen: readonly RunbookSinceLastPass[]): RunbookChangeSincePass[] {
  return seen
    .filter((x) => x.latest !== null && x.latest.planHash !== x.lastPass.planHash)
    .sort((a, b) => a.runbook.localeCompare(b.runbook))
    .map((x) => ({
      runbook: x.runbook,
      lastPass: { ...x.lastPass, endedAt: x.lastPass.endedAt.toISOString() },
      current: { ...x.latest!, at: x.latest!.at.toISOString() },
    }));
}

/** The services to notify about: due soon, and overdue. */
export interface CoverageNotice {
  service: string;
  kind: 'due-soon' | 'overdue';
  coverage: ServiceCoverage;
}

/** The services to notify about: due soon, and overdue. */
export function coverageNotices(report: readonly ServiceCoverage[]): CoverageNotice[] {
  const out: CoverageNotice[] = [];
  for (const c of report) {
    if (c.status === 'overdue') out.push({ service: c.service, kind: 'overdue', coverage: c });
    else if (c.dueSoon) out.push({ service: c.service, kind: 'due-soon', coverage: c });
  }
  return out;
}
