/** CSV of each report: one row per service, run, action or event, as a spreadsheet wants it. */
import type { AttainmentReport } from '../attainment-report';
import { runbookChangeText, type CoverageMatrix } from '../coverage-report';
import type { Dossier } from '../dossier';
import type { FindingsReport } from '../findings-report';
import type { IntegrityAttestation } from '../integrity-report';
import { NOT_MEASURED } from '../measures';
import { csv } from './escape';

const ms = (v: number | null) => (v === null ? NOT_MEASURED : v);

export function coverageCsv(r: CoverageMatrix): string {
  return csv(['period', 'service', 'criticality', 'critical', 'owner', 'drilled', 'drills', 'drill_types', 'write_tested', 'status', 'overdue', 'changed_since_drill', 'last_drill', 'changed_since_last_pass', 'runbook_changes'],
    r.services.map((s) => [r.period, s.service, s.criticality, s.critical, s.owner, s.drilled, s.drills, s.drillTypes, s.writeTested, s.status, s.overdue, s.changedSinceDrill, s.lastDrill, s.changedSinceLastPass, s.runbookChanges.map(runbookChangeText)]));
}

export function attainmentCsv(r: AttainmentReport): string {
  return csv(['service', 'run_id', 'period', 'drill_type', 'ended_at', 'verdict', 'rto_target_ms', 'rto_ms', 'rto', 'rpo_target_ms', 'rpo_ms', 'rpo'],
    r.rows.map((x) => [x.service, x.runId, x.period, x.drillType, x.endedAt, x.verdict, x.rtoTargetMs, ms(x.rtoMs), x.rto, x.rpoTargetMs, ms(x.rpoMs), x.rpo]));
}

export function findingsCsv(r: FindingsReport): string {
  return csv(['finding_id', 'severity', 'category', 'title', 'finding_status', 'run_id', 'step_id', 'raised_at', 'finding_age_days', 'action_id', 'owner', 'due_date', 'action_status', 'overdue', 'days_overdue', 'risk_accepted_until', 'risk_expired'],
    r.findings.flatMap((f) => {
      const acc = r.acceptances.find((a) => a.findingId === f.findingId);
      const base = [f.findingId, f.severity, f.category, f.title, f.status, f.runId, f.stepId, f.raisedAt.toISOString(), f.ageDays];
      const tail = [acc?.expiresAt.toISOString() ?? null, acc ? acc.expired : null];
      const actions = r.actions.filter((a) => a.findingId === f.findingId);
      return actions.length ? actions.map((a) => [...base, a.actionId, a.owner, a.dueDate, a.status, a.overdue, a.daysOverdue, ...tail]) : [[...base, null, null, null, null, null, null, ...tail]];
    }));
}

export function integrityCsv(r: IntegrityAttestation): string {
  const v = r.verification;
  return csv(['period', 'generated_at', 'ok', 'chains', 'events', 'break_chain', 'break_run', 'break_seq', 'break_reason', 'runs_in_period', 'events_in_period', 'checkpoints', 'runs_rows_ok', 'runs_rows_disagreeing', 'step_rows_ok', 'step_rows_disagreeing'],
    [[r.period, r.generatedAt, v.ok, v.chains, v.events, v.firstBreak?.chainId ?? null, v.firstBreak?.runId ?? null, v.firstBreak?.seq ?? null, v.firstBreak?.reason ?? null, r.runsInPeriod, r.eventsInPeriod, r.checkpoints.map((c) => `${c.takenAt} ${c.digest}`), r.runsProjection.ok, r.runsProjection.mismatches.map((m) => m.runId), r.stepResults.ok, r.stepResults.mismatches.map((m) => `${m.runId} ${m.stepId}#${m.execution}`)]]);
}

/**
 * The dossier's timeline (one row per executed step) with the run's figures repeated on each row,
 * and what changed since the last drill of the runbook (its run, plan hash, and the outcome).
 */
export function dossierCsv(d: Dossier): string {
  const c = d.sinceLastDrill;
  return csv(['run_id', 'step_id', 'kind', 'execution', 'status', 'attempts', 'started_at', 'ended_at', 'duration_ms', 'marks', 'rto_target_ms', 'rto_ms', 'rpo_target_ms', 'rpo_ms', 'outcome',
    'plan_hash', 'last_drill_run_id', 'last_drill_plan_hash', 'since_last_drill', 'changes_since_last_drill'],
    d.timeline.map((t) => [d.runId, t.stepId, t.kind, t.execution, t.status, t.attempts, t.startedAt, t.endedAt, t.durationMs, t.marks, d.objectives.rto.targetMs, ms(d.objectives.rto.achievedMs), d.objectives.rpo.targetMs, ms(d.objectives.rpo.achievedMs), d.summary.outcome,
      c.planHash, c.previous?.runId ?? null, c.previous?.planHash ?? null, c.outcome, c.changes.length]));
}
