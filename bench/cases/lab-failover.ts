/**
 * The lab failover: runbooks/failover-to-dr.yaml in drill mode through drillbook, against
 * lab/failover-script.ts's `runScriptedFailover` (the same fence / catch-up / promote / switch steps
 * as a plain script), on the same lab under the same load. The figure is the client-side RTO the load
 * generator saw (its longest window without an acknowledged write); RPO (acknowledged writes missing
 * afterwards) must be 0 on both sides. The lab is reset to its initial topology before every
 * repetition, and the sides alternate.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { projectRoot } from '../../src/config/paths';
import { resolveParams } from '../../src/plan/params';
import type { Json, Plan, PlanStep } from '../../src/plan/types';
import { planHash } from '../../src/runbook/compile';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookFile } from '../../src/runbook/load';
import { startRun } from '../../src/temporal/start-run';
import { listStepResults } from '../../src/audit/step-results';
import { infraApiUrl, loadLabConfig, siteConnectionString, switchConnectionString, type LabConfig } from '../../lab/config';
import { labReset } from '../../lab/failback';
import { runScriptedFailover } from '../../lab/failover-script';
import { labDown, labUp } from '../../lab/lab';
import { startLoad, type LoadReport } from '../../lab/load-generator';
import type { CaseResult } from '../case-result';
import { startDrillbookWorker } from '../environment';
import { historyBreakdown } from '../history-breakdown';
import { ratioOf, round1, summarize } from '../stats';
import { benchSigner } from '../signer';

export const FAILOVER_RUNBOOK = path.join(projectRoot, 'runbooks', 'failover-to-dr.yaml');
const RATIO_LIMIT = 1.25;
/** Steady load before and after the failover, so the outage window is closed on both sides. */
const SETTLE_MS = 500;

export interface LabFailoverContext {
  client: Client;
  address: string;
  db: Kysely<Database>;
  reps: number;
  labDir: string;
  labPortBase: number;
  log(line: string): void;
  /** Default: FAILOVER_RUNBOOK. */
  runbookFile?: string;
}

interface Measured {
  rtoMs: number;
  missingCommitted: number;
  report: Omit<LoadReport, 'committedSeqs' | 'noAnswerSeqs'>;
  sideMs: number;
  extra?: Record<string, unknown>;
}

async function underLoad(config: LabConfig, fn: () => Promise<Record<string, unknown> | void>): Promise<Measured> {
  await labReset(config);
  const load = startLoad({ connectionString: switchConnectionString(config), ratePerSec: 200 });
  await sleep(SETTLE_MS);
  const began = performance.now();
  const extra = (await fn()) ?? undefined;
  const sideMs = performance.now() - began;
  await sleep(SETTLE_MS);
  const report = await load.stop();
  if (!report.verified) throw new Error(`load generator could not verify its writes: ${report.verifyError}`);
  const { committedSeqs: _c, noAnswerSeqs: _n, ...summary } = report;
  return { rtoMs: report.longestWriteGapMs, missingCommitted: report.missingCommitted.length, report: summary, sideMs, extra };
}

/** A loopback webhook for the runbook's notifications. */
async function startWebhook(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Named PostgreSQL connections the runbook may use, by the names a lab runbook would choose. */
export function labConnections(config: LabConfig): Record<string, string> {
  const a = siteConnectionString(config, 'site-a');
  const b = siteConnectionString(config, 'site-b');
  return { 'site-a': a, 'site-b': b, siteA: a, siteB: b, primary: a, standby: b, dr: b, switch: switchConnectionString(config) };
}

/**
 * Values for the runbook's parameters, matched by name to what the lab offers (its infra APIs, its
 * PostgreSQL URLs, the switch, a webhook). Parameters with defaults keep them unless matched.
 * @throws Error naming each required parameter it cannot fill.
 */
export function labRunbookParams(plan: Plan, config: LabConfig, webhook: string): Record<string, string | number | boolean> {
  const rules: Array<[RegExp, string]> = [
    [/webhook|notify/, webhook],
    [/switch.*(url|db|conn)|(url|db|conn).*switch|^traffic/, switchConnectionString(config)],
    [/(sitea|primary|prod|source).*(db|pg|postgres|conn|dsn)|(db|pg|postgres|conn|dsn).*(sitea|primary)/, siteConnectionString(config, 'site-a')],
    [/(siteb|standby|dr|target).*(db|pg|postgres|conn|dsn)|(db|pg|postgres|conn|dsn).*(siteb|standby|dr)/, siteConnectionString(config, 'site-b')],
    [/^(sitea|primary|prod|source)(api|url|infra|gslb)?$|(sitea|primary).*(api|infra|gslb)/, infraApiUrl(config, 'site-a')],
    [/^(siteb|standby|dr|target)(api|url|infra|gslb)?$|(siteb|standby|dr).*(api|infra|gslb)/, infraApiUrl(config, 'site-b')],
    [/^(from|fromsite|primarysite|oldprimary)$/, 'site-a'],
    [/^(to|tosite|drsite|newprimary)$/, 'site-b'],
  ];
  const raw: Record<string, string> = {};
  const unmatched: string[] = [];
  for (const param of plan.params) {
    const key = param.name.toLowerCase().replace(/[^a-z0-9]/g, '');
    const rule = rules.find(([pattern]) => pattern.test(key));
    if (rule) raw[param.name] = rule[1];
    else if (param.required && param.default === undefined) unmatched.push(param.name);
  }
  if (unmatched.length) throw new Error(`${FAILOVER_RUNBOOK}: cannot fill required params from the lab: ${unmatched.join(', ')}`);
  const { values, errors } = resolveParams(plan, raw);
  if (errors.length) throw new Error(`${FAILOVER_RUNBOOK}: ${errors.join('; ')}`);
  return values;
}

export async function labFailoverCase(ctx: LabFailoverContext): Promise<CaseResult[]> {
  const config = loadLabConfig({ rootDir: ctx.labDir, portBase: ctx.labPortBase });
  const runbookFile = ctx.runbookFile ?? FAILOVER_RUNBOOK;
  let plan: Plan | undefined;
  let skipped: string | undefined;
  if (!existsSync(runbookFile)) {
    skipped = 'runbook missing';
  } else {
    const loaded = loadRunbookFile(runbookFile, { registry: adapterRegistry });
    if (!loaded.plan || !loaded.planHash) {
      skipped = `runbook invalid: ${loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.message}`).slice(0, 3).join('; ')}`;
    } else if (!loaded.plan.modes.includes('drill')) {
      skipped = 'runbook has no drill mode';
    } else {
      plan = loaded.plan;
    }
  }
  if (skipped) ctx.log(`  lab failover, drillbook side skipped: ${skipped} (${runbookFile})`);

  await labDown(config); // leftovers of an interrupted earlier run
  await labUp(config);
  const webhook = await startWebhook();
  const sites = plan ? [...new Set(plan.steps.map((s) => s.site).filter((s): s is string => Boolean(s)))] : [];
  const worker = plan ? await startDrillbookWorker(ctx.address, ctx.db, { sites, connections: labConnections(config) }) : undefined;
  const params = plan ? labRunbookParams(plan, config, webhook.url) : {};
  // The effect of `kind: sequence` on the critical path: the same runbook with each sequence's members
  // run as steps of their own (local activities when the sequence is local: what the runbook did before).
  const stepsPlan = plan && plan.steps.some((s) => s.kind === 'sequence') ? withoutSequences(plan) : undefined;
  const ours: Measured[] = [];
  const oursSteps: Measured[] = [];
  const baseline: Measured[] = [];
  let lastRunId: string | undefined;
  try {
    const runDrillbook = async (which: Plan) => {
      const handle = await startRun(ctx.client, {
        plan: which, planHash: planHash(which), mode: 'drill', params, initiator: 'bench', reason: 'benchmark', taskQueue: worker!.taskQueue,
      }, { signer: await benchSigner() });
      const result = await handle.result();
      if (result.state !== 'completed') throw new Error(`failover-to-dr ended ${result.state}/${result.verdict}: ${JSON.stringify(failedSteps(result.steps))}`);
      if (which === plan) lastRunId = handle.workflowId;
      return { runId: handle.workflowId, verdict: result.verdict, drillbookRtoMs: result.rtoMs ?? null, drillbookRpoMs: result.rpoMs ?? null };
    };
    const runBaseline = async () => {
      const r = await runScriptedFailover(config, { from: 'site-a', to: 'site-b' });
      return { scriptTotalMs: r.totalMs, steps: r.steps.map((s) => `${s.step} ${s.durationMs}`) };
    };
    const sides = {
      baseline: { run: runBaseline, into: baseline },
      ours: { run: () => runDrillbook(plan!), into: ours },
      'ours-steps': { run: () => runDrillbook(stepsPlan!), into: oursSteps },
    };
    for (let i = 0; i < ctx.reps; i++) {
      const order: Array<keyof typeof sides> = i % 2 === 0 ? ['baseline', 'ours', 'ours-steps'] : ['ours-steps', 'ours', 'baseline'];
      for (const which of order) {
        if (which !== 'baseline' && !plan) continue;
        if (which === 'ours-steps' && !stepsPlan) continue;
        const m = await underLoad(config, sides[which].run);
        sides[which].into.push(m);
        ctx.log(`  lab failover rep ${i + 1}/${ctx.reps} ${which}: client RTO ${round1(m.rtoMs)} ms, RPO ${m.missingCommitted} lost, side ${round1(m.sideMs)} ms`);
      }
    }
  } finally {
    await worker?.shutdown();
    await webhook.close();
    await labReset(config).catch(() => undefined);
    await labDown(config);
  }

  const baselineStats = summarize(baseline.map((m) => m.rtoMs));
  const rpoLost = { ours: ours.reduce((n, m) => n + m.missingCommitted, 0), baseline: baseline.reduce((n, m) => n + m.missingCommitted, 0) };
  const notes: Record<string, unknown> = {
    rpoLost,
    baselineRuns: baseline.map((m) => ({ rtoMs: round1(m.rtoMs), sideMs: round1(m.sideMs), ...m.extra })),
    oursRuns: ours.map((m) => ({ rtoMs: round1(m.rtoMs), sideMs: round1(m.sideMs), ...m.extra })),
  };
  if (!plan) {
    return [{
      case: 'lab failover', ours_ms: null, baseline_ms: round1(baselineStats.median), ratio: null, target: `ratio <= ${RATIO_LIMIT}, RPO 0`,
      met: false, skipped, detail: { unit: 'ms', baseline: baselineStats, notes },
    }];
  }
  if (lastRunId) {
    notes.history = await historyBreakdown(ctx.client, lastRunId);
    notes.timeline = await stepTimeline(ctx.db, lastRunId);
  }
  const row = (name: string, measured: Measured[], extra: Record<string, unknown>): CaseResult => {
    const stats = summarize(measured.map((m) => m.rtoMs));
    const ratio = ratioOf(stats.median, baselineStats.median);
    const lost = measured.reduce((n, m) => n + m.missingCommitted, 0);
    return {
      case: name,
      ours_ms: round1(stats.median),
      baseline_ms: round1(baselineStats.median),
      ratio,
      target: `ratio <= ${RATIO_LIMIT}, RPO 0`,
      met: ratio <= RATIO_LIMIT && lost === 0 && rpoLost.baseline === 0,
      detail: { unit: 'ms', ours: stats, baseline: baselineStats, notes: { ...extra, rpoLost: { ours: lost, baseline: rpoLost.baseline } } },
    };
  };
  const rows = [row('lab failover', ours, notes)];
  if (stepsPlan) {
    rows.push(row('lab failover, critical path as separate steps', oursSteps, { runs: oursSteps.map((m) => ({ rtoMs: round1(m.rtoMs), ...m.extra })) }));
  }
  return rows;
}

/**
 * The plan with each sequence unrolled: its members become steps of their own, in a chain of needs,
 * local when the sequence was, with its retry policy; whoever needed the sequence needs its last member.
 */
function withoutSequences(plan: Plan): Plan {
  const sequences = new Map(plan.steps.flatMap((s) => (s.kind === 'sequence' ? [[s.id, s] as const] : [])));
  const lastMember = (id: string) => {
    const seq = sequences.get(id);
    return seq ? seq.members[seq.members.length - 1] : id;
  };
  const steps = plan.steps
    .filter((s) => s.kind !== 'sequence')
    .map((s): PlanStep => {
      const needs = s.needs.map(lastMember);
      if (!s.sequence) return { ...s, needs };
      const { sequence: container, ...member } = s;
      const seq = sequences.get(container)!;
      return { ...member, needs, retry: seq.retry, ...(seq.local ? { local: true } : {}) } as PlanStep;
    });
  return { ...plan, steps };
}

/**
 * Each executed step of a run, from its step results: start and end in ms after the first step
 * started, so the gaps between steps (orchestration) stand apart from the steps (the work).
 */
async function stepTimeline(db: Kysely<Database>, runId: string): Promise<string[]> {
  const steps = (await listStepResults(db, runId)).filter((s) => s.startedAt && s.endedAt);
  if (steps.length === 0) return [];
  const t0 = Math.min(...steps.map((s) => s.startedAt!.getTime()));
  return steps.map((s) => `${s.stepId}: +${s.startedAt!.getTime() - t0} ms .. +${s.endedAt!.getTime() - t0} ms`);
}

function failedSteps(steps: Record<string, { state: string; error?: string; output?: Json }>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(steps).filter(([, s]) => s.state === 'failed').map(([id, s]) => [id, s.error]));
}
