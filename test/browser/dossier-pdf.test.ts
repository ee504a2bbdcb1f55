/**
 * The dossier of a real lab drill (failover-to-dr then restore-primary on a lab of its own:
 * DRILLBOOK_LAB_PORT_BASE 26800, /tmp/drillbook-lab-reports; real Temporal, real PostgreSQL), rendered
 * to PDF by headless Chromium: the PDF has pages, and its text (pdftotext) holds the run id and the
 * measured RTO; the HTML's SVG timeline has one bar per executed step.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { loadLabConfig, type LabConfig } from '../../lab/config';
import { labDown } from '../../lab/lab';
import type { Database } from '../../src/audit/database';
import { runDrillCycle, type CycleReport } from '../../src/cli/demo/drill-cycle';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/cli/demo/webhook-receiver';
import { buildDossier, type Dossier } from '../../src/reports/dossier';
import { formatMs } from '../../src/reports/measures';
import { renderReport } from '../../src/reports/render-report';
import type { RunningWorkers } from '../../src/temporal/worker';
import type { TestApi } from '../support/api';
import { testClient, uniqueQueue } from '../support/temporal';
import { startLabDrillbook, stopLabDrillbook } from '../support/lab-drillbook';

const exec = promisify(execFile);
const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-reports', portBase: 26800 });
const taskQueue = uniqueQueue('dossier-pdf');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-pdf-'));
let db: Kysely<Database>;
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let cycle: CycleReport;
let dossier: Dossier;
let webhook: WebhookReceiver;
let api: TestApi;

beforeAll(async () => {
  await labDown(lab); // leftovers of an interrupted earlier run
  ({ db, workers, temporal, api } = await startLabDrillbook(taskQueue));
  webhook = await startWebhookReceiver();
  cycle = await runDrillCycle({ api: await api.clientFor('e2e', ['operator']), db, lab, webhook: webhook.url, reason: 'dossier pdf test' });
  dossier = await buildDossier(db, cycle.runs[0].runId);
}, 360_000);

afterAll(async () => {
  await webhook?.close();
  await stopLabDrillbook({ db, workers, temporal, api }, lab);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('the drill measured its RTO from the marks, and the dossier reports that figure', () => {
  const run = cycle.runs[0];
  expect(run.runbook).toBe('failover-to-dr');
  expect(run.rtoMs).toEqual(expect.any(Number));
  expect(dossier.objectives.rto.achievedMs).toBe(run.rtoMs);
  expect(dossier.objectives.rto.recordedMs).toBe(run.rtoMs);
  expect(dossier.transactionClasses).toContain('write');
  expect(dossier.integrity.ok).toBe(true);
});

test('the HTML timeline has one SVG bar per executed step', async () => {
  const html = (await renderReport(dossier, 'html')).toString();
  const svg = /<svg class="timeline"[\s\S]*?<\/svg>/.exec(html)![0];
  const bars = [...svg.matchAll(/<rect class="bar" data-step="([^"]+)" data-execution="(\d+)"/g)].map((m) => `${m[1]}#${m[2]}`);
  const { rows } = await db.selectFrom('step_results').select(['step_id', 'execution']).where('run_id', '=', dossier.runId).where('started_at', 'is not', null).execute()
    .then((r) => ({ rows: r.map((x) => `${x.step_id}#${x.execution}`) }));
  expect(bars.length).toBeGreaterThan(3);
  expect([...bars].sort()).toEqual([...rows].sort());
  // Every bar belongs to a step the run executed (never a planned step that did not run).
  const events = await db.selectFrom('audit_events').select('step_id').where('run_id', '=', dossier.runId).where('type', 'in', ['step.completed', 'step.failed']).execute();
  const executed = [...new Set(events.map((e) => e.step_id!))].sort();
  expect([...new Set(bars.map((b) => b.split('#')[0]))].sort()).toEqual(executed);
  // Planned steps that did not run (e.g. only-when-failover ones) get no bar.
  const skipped = dossier.plannedSteps.map((p) => p.stepId).filter((id) => !executed.includes(id));
  for (const id of skipped) expect(svg).not.toContain(`data-step="${id}"`);
});

test('the PDF renders: pages > 0, its text holds the run id and the measured RTO', async () => {
  const pdf = await renderReport(dossier, 'pdf');
  const file = path.join(dir, 'dossier.pdf');
  writeFileSync(file, pdf);
  const info = (await exec('pdfinfo', [file])).stdout;
  expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBeGreaterThan(0);
  const text = (await exec('pdftotext', ['-layout', file, '-'])).stdout;
  expect(text).toContain(dossier.runId);
  expect(text).toContain(formatMs(dossier.objectives.rto.achievedMs));
}, 90_000);
