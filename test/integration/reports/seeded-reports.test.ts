/**
 * Every report on a seeded history (30 services, 2,100 runs over 3 years, written through the
 * project's own write paths), in every format, its figures checked against expectations computed
 * here from the generator's data — not from the reports' queries.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { takeCheckpoint } from '../../../src/audit/checkpoint';
import { recordCheckpointTaken } from '../../../src/audit/checkpoint-record';
import { acceptRisk, addAction, raiseFinding, updateAction } from '../../../src/findings/register';
import { attainmentReport } from '../../../src/reports/attainment-report';
import { coverageMatrix } from '../../../src/reports/coverage-report';
import { buildDossier } from '../../../src/reports/dossier';
import { findingsReport } from '../../../src/reports/findings-report';
import { integrityAttestation } from '../../../src/reports/integrity-report';
import { renderReport, REPORT_FORMATS, type AnyReport } from '../../../src/reports/render-report';
import { destroyTestDb, isolatedTestDb } from '../../support/db';
import { HISTORY_END, HISTORY_START, seedHistory, type SeededRun, type SeededService } from './seed-history';

let db: Kysely<Database>;
let services: SeededService[];
let runs: SeededRun[];
let seededEvents: number;
const NOW = new Date('2026-11-25T12:00:00Z');

beforeAll(async () => {
  db = await isolatedTestDb();
  ({ services, runs, events: seededEvents } = await seedHistory(db, 2100));
}, 90_000);

afterAll(async () => {
  await destroyTestDb(db);
});

const within = (t: number, from: string, to: string) => t >= Date.parse(from) && t < Date.parse(to);
const counts = (r: SeededRun) => r.status === 'completed' && r.verdict === 'pass' && (r.mode === 'drill' || r.mode === 'failover');
const halfOf = (t: number) => { const d = new Date(t); return `${d.getUTCFullYear()}-H${d.getUTCMonth() < 6 ? 1 : 2}`; };

/** Every format renders; CSV has one line per data row plus the header; HTML is one document; PDF by Chromium. */
async function expectAllFormats(report: AnyReport, csvRows: number, mustContain: string[]) {
  for (const format of REPORT_FORMATS) {
    const bytes = await renderReport(report, format);
    if (format === 'pdf') {
      // Printed by headless Chromium from the HTML; its text is checked in test/browser/dossier-pdf.test.ts.
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(bytes.length).toBeGreaterThan(1000);
      continue;
    }
    const out = bytes.toString('utf8');
    if (format === 'json') expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(report)));
    if (format === 'csv') expect(out.trimEnd().split('\r\n')).toHaveLength(csvRows + 1);
    if (format === 'html') {
      expect(out.startsWith('<!doctype html>')).toBe(true);
      for (const text of mustContain) expect(out).toContain(text);
    }
  }
}

test('the history is what the issue asks for: ≥2,000 runs, 3 years, 30 services', async () => {
  expect(runs.length).toBeGreaterThanOrEqual(2000);
  expect(services).toHaveLength(30);
  expect(HISTORY_END - HISTORY_START).toBeGreaterThan(2.9 * 365 * 86_400_000);
  const { n } = await db.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  expect(Number(n)).toBe(runs.length);
});

test('coverage 2026-H1: drilled, drill types, write-tested, overdue, changed since drill', async () => {
  const report = await coverageMatrix(db, '2026-H1', NOW);
  const asOf = Date.parse('2026-07-01T00:00:00Z') - 1;
  expect(report.asOf).toBe(new Date(asOf).toISOString());
  expect(report.services).toHaveLength(30);
  for (const s of services) {
    const row = report.services.find((x) => x.service === s.name)!;
    const passed = runs.filter((r) => r.service === s.name && counts(r) && r.endedAt <= asOf);
    const inPeriod = passed.filter((r) => within(r.endedAt, '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z'));
    const types = [...new Set(inPeriod.map((r) => (r.mode === 'drill' ? 'isolated test (drill)' : 'real failover')))].sort();
    const halfYearly = s.criticality !== 'medium';
    const current = halfYearly ? inPeriod : passed.filter((r) => within(r.endedAt, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'));
    const previous = halfYearly
      ? passed.filter((r) => within(r.endedAt, '2025-07-01T00:00:00Z', '2026-01-01T00:00:00Z'))
      : passed.filter((r) => within(r.endedAt, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'));
    const last = [...passed].sort((a, b) => b.endedAt - a.endedAt)[0];
    expect({ service: s.name, drilled: row.drilled, drills: row.drills, drillTypes: row.drillTypes, writeTested: row.writeTested, overdue: row.overdue, changed: row.changedSinceDrill }).toEqual({
      service: s.name,
      drilled: inPeriod.length > 0,
      drills: inPeriod.length,
      drillTypes: types,
      writeTested: inPeriod.some((r) => r.withWrite),
      overdue: current.length === 0 && previous.length === 0,
      // The inventory's runbook is the write-tested one: a change shows against a last drill of it.
      changed: s.runbookChanged && last !== undefined && last.withWrite,
    });
  }
  // The generator leaves services 25-30 undrilled since 2025: they must show as overdue.
  expect(report.services.filter((r) => r.overdue).map((r) => r.service)).toEqual(expect.arrayContaining(['svc-25', 'svc-28', 'svc-30']));
  expect(report.totals.drilled).toBe(report.services.filter((r) => r.drilled).length);
  await expectAllFormats(report, 30, ['svc-01', 'Drill coverage 2026-H1']);
});

test('attainment: target from the inventory, achieved from the marks, not measured without rto.end, trend per half-year', async () => {
  const from = new Date(HISTORY_START);
  const to = new Date(HISTORY_END + 30 * 86_400_000);
  const report = await attainmentReport(db, { from, to });
  expect(report.rows).toHaveLength(runs.length);
  const target = new Map(services.map((s) => [s.name, s]));
  let missed = 0;
  let notMeasured = 0;
  for (const row of report.rows) {
    const run = runs.find((r) => r.runId === row.runId)!;
    const s = target.get(run.service)!;
    const rto = run.rtoMs === null ? 'not measured' : run.rtoMs <= s.rtoMs ? 'met' : 'missed';
    const rpo = run.rpoMs === null ? 'not measured' : run.rpoMs <= s.rpoMs ? 'met' : 'missed';
    expect(row).toMatchObject({ service: run.service, rtoTargetMs: s.rtoMs, rtoMs: run.rtoMs, rto, rpoTargetMs: s.rpoMs, rpoMs: run.rpoMs, rpo, period: halfOf(run.endedAt) });
    if (rto === 'missed') missed++;
    if (rto === 'not measured') notMeasured++;
  }
  // The generator makes read-only and aborted runs: they must be "not measured", never 0 ms.
  expect(notMeasured).toBeGreaterThan(100);
  expect(report.rows.filter((r) => r.rtoMs === 0)).toHaveLength(0);
  expect(missed).toBeGreaterThan(0);
  // Trend: recomputed per service and half-year from the generator's runs.
  const expected = new Map<string, { runs: number; rtoMissed: number; worst: number | null }>();
  for (const r of runs) {
    const key = `${r.service} ${halfOf(r.endedAt)}`;
    const e = expected.get(key) ?? { runs: 0, rtoMissed: 0, worst: null };
    e.runs++;
    if (r.rtoMs !== null && r.rtoMs > target.get(r.service)!.rtoMs) e.rtoMissed++;
    if (r.rtoMs !== null) e.worst = Math.max(e.worst ?? 0, r.rtoMs);
    expected.set(key, e);
  }
  expect(report.trend).toHaveLength(expected.size);
  for (const t of report.trend) expect({ runs: t.runs, rtoMissed: t.rtoMissed, worst: t.worstRtoMs }).toEqual(expected.get(`${t.service} ${t.period}`));
  const html = (await renderReport(report, 'html')).toString();
  expect(html).toContain('<span class="miss">missed</span>');
  expect(html).toContain('not measured');
  const csv = (await renderReport(report, 'csv')).toString();
  expect(csv).toContain(',not measured,not measured,');
  await expectAllFormats(report, runs.length, ['Trend by half-year']);
});

test('findings: open and overdue actions, ageing, risk acceptances', async () => {
  const day = 86_400_000;
  const expected = { open: 0, overdue: 0, activeAcceptances: 0, expiredAcceptances: 0 };
  for (let i = 0; i < 40; i++) {
    const run = runs[i * 37];
    const raisedAt = new Date(Date.parse('2026-01-10T00:00:00Z') + i * 5 * day);
    const f = await raiseFinding(db, { runId: run.runId, stepId: run.steps[0].id, severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4], category: 'rto', title: `finding ${i}`, description: 'd', actor: 'auditor', at: raisedAt });
    const due = new Date(raisedAt.getTime() + 60 * day).toISOString().slice(0, 10);
    const a = await addAction(db, { findingId: f.findingId, description: 'fix it', owner: 'ops', dueDate: due, actor: 'auditor', at: raisedAt });
    if (i % 3 === 0) {
      await updateAction(db, { actionId: a.actionId, status: 'done', closingEvidence: 'ticket CHG-1', actor: 'ops', at: new Date(raisedAt.getTime() + day) });
    } else {
      expected.open++;
      if (due < NOW.toISOString().slice(0, 10)) expected.overdue++;
    }
    if (i % 5 === 0) {
      const expiresAt = new Date(raisedAt.getTime() + (i % 10 === 0 ? 30 : 400) * day);
      await acceptRisk(db, { findingId: f.findingId, approver: 'ciso', rationale: 'compensating control', expiresAt, actor: 'ciso', at: raisedAt });
      if (expiresAt.getTime() <= NOW.getTime()) expected.expiredAcceptances++;
      else expected.activeAcceptances++;
    }
  }
  const report = await findingsReport(db, NOW);
  expect(report.totals).toMatchObject({ findings: 40, openActions: expected.open, overdueActions: expected.overdue, activeAcceptances: expected.activeAcceptances, expiredAcceptances: expected.expiredAcceptances, riskAccepted: 8 });
  expect(expected.overdue).toBeGreaterThan(0);
  const f0 = report.findings.find((f) => f.title === 'finding 0')!;
  expect(f0.ageDays).toBe(Math.floor((NOW.getTime() - Date.parse('2026-01-10T00:00:00Z')) / day));
  await expectAllFormats(report, 40, ['Findings and remediation', 'overdue']);
});

test('integrity attestation: chain verified, checkpoints of the period listed', async () => {
  const checkpoint = await takeCheckpoint(db);
  await recordCheckpointTaken(db, checkpoint, 'auditor', '/worm/cp.json');
  const period = `${new Date().getUTCFullYear()}-H${new Date().getUTCMonth() < 6 ? 1 : 2}`;
  const report = await integrityAttestation(db, period);
  expect(report.verification.ok).toBe(true);
  expect(report.verification.events).toBeGreaterThanOrEqual(seededEvents);
  expect(report.checkpoints).toEqual([expect.objectContaining({ digest: checkpoint.digest, events: checkpoint.events })]);
  const h1 = await integrityAttestation(db, '2026-H1');
  expect(h1.runsInPeriod).toBe(runs.filter((r) => within(r.startedAt, '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z')).length);
  await expectAllFormats(report, 1, ['Audit trail intact', checkpoint.digest]);
});

test('dossier of a seeded run: RTO from the marks, one timeline bar per executed step', async () => {
  const run = runs.find((r) => r.withWrite && r.status === 'completed')!;
  const d = await buildDossier(db, run.runId);
  expect(d.objectives.rto.achievedMs).toBe(run.rtoMs);
  expect(d.objectives.rto.recordedMs).toBe(run.rtoMs);
  expect(d.transactionClasses).toEqual(['read', 'write']);
  expect(d.integrity.ok).toBe(true);
  const html = (await renderReport(d, 'html')).toString();
  expect(html.match(/<rect class="bar"/g)).toHaveLength(run.steps.length);
  await expectAllFormats(d, run.steps.length, [run.runId]);
});
