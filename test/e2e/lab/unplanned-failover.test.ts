/**
 * The unplanned failover, on a lab of its own (DRILLBOOK_LAB_PORT_BASE=26600,
 * /tmp/drillbook-lab-e2e-unplanned), real Temporal, real PostgreSQL: under load, site A's postmaster
 * is killed (SIGKILL); failover-to-dr runs in `failover` mode (a real run: registered runbook,
 * service lock, two DR managers approve) and takes the path for an unreachable primary (fence, no WAL
 * end from site A, promote, switch); the clients' RTO and RPO (the load generator's) are confirmed
 * into the run's record; restore-primary (`failback`) then brings the lab back to its initial topology.
 *
 * The replication is asynchronous: acknowledged writes may be lost. The test checks that they are
 * measured and recorded, not that there are none, and prints the figures next to the objectives.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { loadLabConfig, switchConnectionString, type LabConfig } from '../../../lab/config';
import { readFaultLog, type FaultRecord } from '../../../lab/faults';
import { isPortOpen, labDown, labStatus, labUp } from '../../../lab/lab';
import { startLoad, type LoadReport } from '../../../lab/load-generator';
import type { Database } from '../../../src/audit/database';
import { getRunStory } from '../../../src/audit/run-story';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import type { ApiClient } from '../../../src/cli/api-client';
import { RUNBOOKS_DIR, runLabRunbook } from '../../../src/cli/demo/drill-cycle';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/cli/demo/webhook-receiver';
import { projectRoot } from '../../../src/config/paths';
import { getProgress, type RunResult } from '../../../src/plan/run-messages';
import type { RunningWorkers } from '../../../src/temporal/worker';
import type { TestApi } from '../../support/api';
import { uniqueId } from '../../support/db';
import { testClient, uniqueQueue } from '../../support/temporal';
import { startLabDrillbook, stopLabDrillbook } from '../../support/lab-drillbook';
import { waitFor } from '../../support/wait-for';

const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-e2e-unplanned', portBase: 26600 });
const taskQueue = uniqueQueue('unplanned');
const suffix = uniqueId('u').slice(2, 10);
let db: Kysely<Database>;
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let api: TestApi;
let webhook: WebhookReceiver;
let asOperator: ApiClient;
let asSecondOperator: ApiClient;
let managers: ApiClient[];

beforeAll(async () => {
  await labDown(lab); // leftovers of an interrupted earlier run
  await labUp(lab);
  ({ db, workers, temporal, api } = await startLabDrillbook(taskQueue));
  webhook = await startWebhookReceiver();
  asOperator = await api.clientFor(`olga-${suffix}`, ['operator']);
  asSecondOperator = await api.clientFor(`oscar-${suffix}`, ['operator']);
  managers = [await api.clientFor(`mia-${suffix}`, ['dr-manager']), await api.clientFor(`max-${suffix}`, ['dr-manager'])];
  const admin = await api.clientFor(`adam-${suffix}`, ['admin']);
  // Real runs (failover, failback) start only from a registered runbook version.
  for (const name of ['failover-to-dr', 'restore-primary']) {
    const file = path.relative(projectRoot, path.join(RUNBOOKS_DIR, `${name}.yaml`));
    await admin.post('/api/runbooks', { runbook: readFileSync(path.join(projectRoot, file), 'utf8'), file, reason: 'reviewed for the unplanned failover test' });
  }
}, 120_000);

afterAll(async () => {
  await webhook?.close();
  await stopLabDrillbook({ db, workers, temporal, api }, lab);
}, 60_000);

/** `drillbook lab kill-primary --json` on this lab, as an operator would crash it. */
async function killPrimaryWithCli(): Promise<FaultRecord> {
  const cli = path.join(projectRoot, 'bin', 'drillbook.js');
  const env = { ...process.env, DRILLBOOK_LAB_DIR: lab.rootDir, DRILLBOOK_LAB_PORT_BASE: String(lab.ports.siteA) };
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lab', 'kill-primary', '--json'], { env });
  return JSON.parse(stdout) as FaultRecord;
}

const waitingAt = async (runId: string, stepId: string) => {
  const handle = temporal.client.workflow.getHandle(runId);
  await waitFor(async () => ((await handle.query(getProgress)).waiting ?? []).some((w) => w.stepId === stepId), 60_000);
};

test('primary SIGKILLed under load: a failover-mode run promotes site B, the clients measure RTO and RPO into the record, the lab is restored', async () => {
  expect((await labStatus(lab)).initialTopology).toBe(true);
  const load = startLoad({ connectionString: switchConnectionString(lab), ratePerSec: 200 });
  let report: LoadReport | undefined;
  let fault: FaultRecord;
  let failover: { runId: string; result: RunResult; targets: { rtoMs?: number; rpoMs?: number } };
  try {
    await sleep(1500);
    fault = await killPrimaryWithCli();
    expect(fault).toMatchObject({ fault: 'kill-primary', site: 'site-a', signal: 'SIGKILL' });
    expect(await isPortOpen(lab.host, lab.ports.siteA)).toBe(false);

    failover = await runLabRunbook({
      api: asOperator,
      client: temporal.client,
      lab,
      runbook: 'failover-to-dr',
      mode: 'failover',
      webhook: webhook.url,
      reason: 'unplanned failover e2e test: site A crashed',
      follow: async (handle) => {
        // Two DR managers (never the initiator) approve; then the cutover runs.
        await waitingAt(handle.workflowId, 'approve-failover');
        for (const manager of managers) {
          await manager.post(`/api/runs/${handle.workflowId}/steps/approve-failover/approve`, { comment: 'site A is lost' });
        }
        // Site B serves: the clients' figures are final once the load stops and is checked at site B.
        await waitingAt(handle.workflowId, 'record-client-impact');
        report = await load.stop();
        expect(report.verified).toBe(true);
        await asSecondOperator.post(`/api/runs/${handle.workflowId}/steps/record-client-impact/confirm`, {
          evidence: {
            clientRtoMs: String(report.longestWriteGapMs),
            lostWrites: String(report.missingCommitted.length),
            lostWindowMs: String(report.lostWindow?.ms ?? 0),
            source: `lab load generator: ${report.committed} acknowledged, ${report.failedNoAnswer} without answer (${report.noAnswerButCommitted} committed after all), ${report.rejected} refused`,
          },
          note: `site A SIGKILLed at ${fault.at}`,
        });
        return handle.result();
      },
    });
  } finally {
    report ??= await load.stop();
  }

  // The run: completed in failover mode, on the unreachable-primary path.
  const { runId, result } = failover;
  const story = await getRunStory(db, runId);
  expect(story.run).toMatchObject({ mode: 'failover', status: 'completed' });
  const steps = result.steps;
  expect(steps['approve-failover'].state).toBe('completed');
  expect(steps['primary-wal-end'].state).toBe('skipped');
  expect(steps['primary-wal-end-if-reachable'].state).toBe('failed');
  for (const id of ['fence-primary', 'standby-replayed-all', 'promote-standby', 'switch-traffic', 'verify-dr-write', 'record-rpo', 'record-client-impact']) {
    expect([id, steps[id].state]).toEqual([id, 'completed']);
  }
  const rpoOutput = steps['record-rpo'].output as { rpoMs: number | null; primaryWalEndKnown: boolean };
  expect(rpoOutput.primaryWalEndKnown).toBe(false);

  // drillbook's figures in the run's record, against the objectives (the inventory's: 30 s, 0 s).
  const rtoMs = story.run!.rtoMs!;
  const rpoMs = story.run!.rpoMs!;
  expect(rtoMs).toBeGreaterThan(0);
  expect(rpoMs).toBeGreaterThanOrEqual(0);
  expect(failover.targets).toEqual({ rtoMs: 30_000, rpoMs: 0 });
  expect(result.verdict).toBe(rpoMs > 0 || rtoMs > 30_000 ? 'fail' : 'partial');

  // The clients' figures, confirmed into the trail by an operator.
  const confirmed = story.events.find((e) => e.type === 'step.confirmed' && e.stepId === 'record-client-impact');
  const evidence = (confirmed?.data as { evidence?: Record<string, string> } | undefined)?.evidence;
  expect(evidence).toMatchObject({
    clientRtoMs: String(report.longestWriteGapMs),
    lostWrites: String(report.missingCommitted.length),
    lostWindowMs: String(report.lostWindow?.ms ?? 0),
  });
  // The clients' outage: from their last write acknowledged at site A to their first at site B, so it
  // spans drillbook's (fence -> verified write), and began before the fence: at the crash, give or
  // take a backend of the killed postmaster that still finishes (and acknowledges) the write it ran.
  const fencedAt = Date.parse((steps['fence-primary'].output as { json: { fencedAt: string } }).json.fencedAt);
  const gap = report.longestWriteGap!;
  expect(Date.parse(gap.from)).toBeGreaterThanOrEqual(Date.parse(fault!.at) - 1000);
  expect(Date.parse(gap.from)).toBeLessThan(fencedAt);
  expect(Date.parse(gap.to)).toBeGreaterThan(fencedAt);
  expect(report.longestWriteGapMs).toBeGreaterThanOrEqual(rtoMs - 300);
  // Lost writes were acknowledged by site A (before the fence), never by site B.
  if (report.lostWindow) expect(Date.parse(report.lostWindow.to)).toBeLessThan(fencedAt);
  expect((await verifyAuditChain(db, { chainId: runId })).ok).toBe(true);
  expect(readFaultLog(lab)).toEqual([fault!]);

  console.log(
    [
      `unplanned failover ${runId}: ${result.state}, verdict ${result.verdict}`,
      `  site A's postmaster ${fault!.pid} SIGKILLed at ${fault!.at}; fenced at ${new Date(fencedAt).toISOString()}`,
      `  RTO: drillbook ${rtoMs} ms (fence -> verified write at site B), clients ${report.longestWriteGapMs} ms (last acknowledged write at site A -> first at site B); target 30000 ms`,
      `  RPO: drillbook upper bound ${rpoMs} ms (site B's last replayed commit -> fence), clients ${report.missingCommitted.length} acknowledged write(s) lost spanning ${report.lostWindow?.ms ?? 0} ms; target 0 ms`,
      `  load: ${report.committed} acknowledged, ${report.failedNoAnswer} without answer (${report.noAnswerButCommitted} committed after all), ${report.rejected} refused`,
    ].join('\n'),
  );

  // Restored: site A (crashed) rebuilt as a standby of site B, switched back, site B a standby again.
  const restore = await runLabRunbook({
    api: asOperator,
    client: temporal.client,
    lab,
    runbook: 'restore-primary',
    mode: 'failback',
    webhook: webhook.url,
    reason: 'unplanned failover e2e test: bring site A back',
  });
  expect(restore.result).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect((await labStatus(lab)).initialTopology).toBe(true);
}, 240_000);
