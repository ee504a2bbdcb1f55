/**
 * The three orchestration cases: drillbook's `runDrill` over generated no-op runbooks (with the full
 * audit trail) against plain workflows of no-op activities, on the same dev server and worker
 * settings. Repetitions alternate which side goes first, so neither always runs on a warmer machine.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { startRun } from '../../src/temporal/start-run';
import type { Plan } from '../../src/plan/types';
import type { CaseResult } from '../case-result';
import { cpuNow, cpuSince, type CpuSeconds } from '../cpu-usage';
import { historyBreakdown, type HistoryBreakdown } from '../history-breakdown';
import { chainRunbook, compileBenchRunbook, fanOutRunbook } from '../runbooks';
import { ratioOf, round1, summarize } from '../stats';
import { benchSigner } from '../signer';

export interface OrchestrationContext {
  client: Client;
  drillbookQueue: string;
  baselineQueue: string;
  reps: number;
  /** Unmeasured runs of each side first (JIT, caches, connection pools). */
  warmups: number;
  log(line: string): void;
}

interface Side {
  /** Runs one repetition; returns the workflow IDs it started (the last one is analysed). */
  run(): Promise<string[]>;
}

async function timed(side: Side): Promise<{ ms: number; ids: string[]; cpu: CpuSeconds }> {
  const cpuBefore = cpuNow();
  const began = performance.now();
  const ids = await side.run();
  return { ms: performance.now() - began, ids, cpu: cpuSince(cpuBefore) };
}

async function measure(ctx: OrchestrationContext, name: string, ours: Side, baseline: Side) {
  for (let i = 0; i < ctx.warmups; i++) {
    await baseline.run();
    await ours.run();
  }
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  const cpu: { ours: CpuSeconds[]; baseline: CpuSeconds[] } = { ours: [], baseline: [] };
  let lastOurs: string[] = [];
  let lastBaseline: string[] = [];
  for (let i = 0; i < ctx.reps; i++) {
    const order: Array<['ours' | 'baseline', Side]> = i % 2 === 0 ? [['baseline', baseline], ['ours', ours]] : [['ours', ours], ['baseline', baseline]];
    for (const [which, side] of order) {
      const { ms, ids, cpu: used } = await timed(side);
      cpu[which].push(used);
      if (which === 'ours') {
        oursMs.push(ms);
        lastOurs = ids;
      } else {
        baselineMs.push(ms);
        lastBaseline = ids;
      }
      ctx.log(`  ${name} rep ${i + 1}/${ctx.reps} ${which}: ${round1(ms)} ms (CPU s: temporal ${used.temporal.toFixed(2)}, postgres ${used.postgres.toFixed(2)}, workers ${used.bench.toFixed(2)})`);
    }
  }
  const [oursHistory, baselineHistory] = await Promise.all([
    historyBreakdown(ctx.client, lastOurs[lastOurs.length - 1]),
    historyBreakdown(ctx.client, lastBaseline[lastBaseline.length - 1]),
  ]);
  return { ours: summarize(oursMs), baseline: summarize(baselineMs), oursHistory, baselineHistory, cpu: { ours: medianCpu(cpu.ours), baseline: medianCpu(cpu.baseline) } };
}

/** Median CPU seconds of each party over the repetitions of one side. */
function medianCpu(samples: CpuSeconds[]): CpuSeconds {
  const median = (pick: (c: CpuSeconds) => number) => Math.round(summarize(samples.map(pick)).median * 100) / 100;
  return { temporal: median((c) => c.temporal), postgres: median((c) => c.postgres), bench: median((c) => c.bench) };
}

function drillbookSide(ctx: OrchestrationContext, compiled: { plan: Plan; planHash: string }, concurrent = 1): Side {
  return {
    async run() {
      const signer = await benchSigner();
      const handles = await Promise.all(
        Array.from({ length: concurrent }, () =>
          startRun(
            ctx.client,
            { ...compiled, mode: 'drill', params: {}, initiator: 'bench', reason: 'benchmark', taskQueue: ctx.drillbookQueue },
            { signer },
          ),
        ),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      for (const r of results) if (r.verdict !== 'pass') throw new Error(`bench run ended ${r.state}/${r.verdict}`);
      return handles.map((h) => h.workflowId);
    },
  };
}

function baselineSide(ctx: OrchestrationContext, workflow: 'sequentialActivities' | 'parallelActivities', count: number, concurrent = 1): Side {
  return {
    async run() {
      const ids = Array.from({ length: concurrent }, () => `bench-${workflow}-${randomUUID().slice(0, 8)}`);
      await Promise.all(
        ids.map((workflowId) => ctx.client.workflow.execute(workflow, { workflowId, taskQueue: ctx.baselineQueue, args: [count] })),
      );
      return ids;
    },
  };
}

function result(
  name: string,
  limit: number,
  m: Awaited<ReturnType<typeof measure>>,
  notes: Record<string, unknown>,
): CaseResult {
  const ratio = ratioOf(m.ours.median, m.baseline.median);
  return {
    case: name,
    ours_ms: round1(m.ours.median),
    baseline_ms: round1(m.baseline.median),
    ratio,
    target: `ratio <= ${limit}`,
    met: ratio <= limit,
    detail: {
      unit: 'ms',
      ours: m.ours,
      baseline: m.baseline,
      notes: { ...notes, history: { ours: perRun(m.oursHistory), baseline: perRun(m.baselineHistory) }, cpuSeconds: m.cpu },
    },
  };
}

/** Rounded for the report. */
function perRun(h: HistoryBreakdown): Record<string, number> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, round1(v)]));
}

export async function sequentialCase(ctx: OrchestrationContext, steps: number): Promise<CaseResult> {
  const compiled = compileBenchRunbook(chainRunbook(steps));
  const m = await measure(ctx, 'sequential', drillbookSide(ctx, compiled), baselineSide(ctx, 'sequentialActivities', steps));
  return result('sequential', 1.15, m, { steps });
}

export async function fanOutCase(ctx: OrchestrationContext, steps: number): Promise<CaseResult> {
  const compiled = compileBenchRunbook(fanOutRunbook(steps));
  const m = await measure(ctx, 'fan-out', drillbookSide(ctx, compiled), baselineSide(ctx, 'parallelActivities', steps));
  return result('fan-out', 1.2, m, { steps });
}

export async function concurrentCase(ctx: OrchestrationContext, runs: number, steps: number): Promise<CaseResult> {
  const compiled = compileBenchRunbook(chainRunbook(steps));
  const m = await measure(
    ctx,
    'concurrent',
    drillbookSide(ctx, compiled, runs),
    baselineSide(ctx, 'sequentialActivities', steps, runs),
  );
  return result('concurrent', 1.2, m, { runs, stepsPerRun: steps });
}
