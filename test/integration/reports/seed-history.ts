/**
 * A seeded drill history written through the project's own write paths: applyInventory for 30
 * services, then for each of ≥2,000 runs over 3 years recordRunStarted, appendAuditEvents (valid hash
 * chains, batched across runs), recordStepResult and recordRunEnded with RTO/RPO from
 * computeObjectives over the recorded step times. Deterministic (a seeded generator), and it returns
 * what it wrote so the tests can compute their expectations independently of the reports' queries.
 */
import type { Kysely } from 'kysely';
import { appendAuditEvents, type AuditEventInput } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { recordRunEnded, recordRunStarted } from '../../../src/audit/runs';
import { recordStepResult } from '../../../src/audit/step-results';
import { applyInventory } from '../../../src/inventory/apply';
import type { LoadedInventory } from '../../../src/inventory/load';
import { canonicalPlanJson } from '../../../src/plan/canonical';
import { computeObjectives } from '../../../src/plan/objectives';
import type { Mode, Plan, PlanStep } from '../../../src/plan/types';
import { createHash } from 'node:crypto';

export const HISTORY_START = Date.parse('2023-12-01T00:00:00Z');
export const HISTORY_END = Date.parse('2026-11-20T00:00:00Z');

export interface SeededService {
  name: string;
  criticality: 'critical' | 'high' | 'medium';
  rtoMs: number;
  rpoMs: number;
  /** The inventory's runbook is a newer revision than the one every seeded run used. */
  runbookChanged: boolean;
}

export interface SeededStep { id: string; startedAt: number; endedAt: number; output: Record<string, number> | null }

export interface SeededRun {
  runId: string;
  service: string;
  mode: Mode;
  withWrite: boolean;
  status: 'completed' | 'aborted';
  verdict: 'pass' | 'fail';
  startedAt: number;
  endedAt: number;
  steps: SeededStep[];
  /** Expected, from the generator's own times: fence start → write-check end; null without a write-check. */
  rtoMs: number | null;
  rpoMs: number | null;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const step = (id: string, extra: Partial<PlanStep> & Pick<PlanStep, 'kind'>): PlanStep =>
  ({ id, title: id, phase: 'main', needs: [], retry: { maxAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2 }, onFailure: 'pause', marks: [], evidence: ['*'], reads: [], ...extra }) as PlanStep;

/** Plan of a service's runbook; `withWrite` adds the write check that carries the rto.end mark. */
export function seededPlan(service: string, withWrite: boolean, revision: number): Plan {
  const steps: PlanStep[] = [
    step('read-check', { kind: 'check', probe: { adapter: 'postgres', input: { operation: 'query', url: 'postgres://x/y', sql: 'SELECT 1' } }, expect: { source: 'true', ast: { type: 'Literal', value: true } } } as Partial<PlanStep> & { kind: 'check' }),
    step('fence', { kind: 'action', action: { adapter: 'noop', input: {} }, marks: ['rto.start'] } as Partial<PlanStep> & { kind: 'action' }),
    step('measure-rpo', { kind: 'action', action: { adapter: 'noop', input: {} }, marks: ['rpo.measure'] } as Partial<PlanStep> & { kind: 'action' }),
  ];
  if (withWrite) {
    steps.push(step('write-check', { kind: 'check', probe: { adapter: 'postgres', input: { operation: 'query', url: 'postgres://x/y', sql: 'INSERT INTO probe (at) VALUES (now()) RETURNING 1' } }, expect: { source: 'true', ast: { type: 'Literal', value: true } }, marks: ['rto.end'] } as Partial<PlanStep> & { kind: 'check' }));
  }
  return {
    planVersion: 1, runbook: { name: `${service}-${withWrite ? 'failover' : 'readonly'}`, version: `r${revision}`, description: `fail ${service} over to DR`, owners: ['team'] },
    services: [service], objectives: {}, modes: ['drill', 'failover', 'failback'], params: [], steps,
  };
}

export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalPlanJson(plan)).digest('hex');
}

export function seededServices(): SeededService[] {
  return Array.from({ length: 30 }, (_, i) => ({
    name: `svc-${String(i + 1).padStart(2, '0')}`,
    criticality: i % 3 === 0 ? 'critical' : i % 3 === 1 ? 'high' : 'medium',
    rtoMs: 60_000 + (i % 5) * 30_000,
    rpoMs: 5_000 + (i % 4) * 5_000,
    runbookChanged: i % 7 === 0,
  }));
}

export function generateRuns(services: SeededService[], count: number, seed = 42): SeededRun[] {
  const rand = rng(seed);
  const span = HISTORY_END - HISTORY_START;
  const runs: SeededRun[] = [];
  for (let n = 0; n < count; n++) {
    // Services 28-30 are left out entirely (never drilled); 25-27 only before 2025 (so overdue now).
    const svcIndex = Math.floor(rand() * 27);
    const svc = services[svcIndex];
    let startedAt = HISTORY_START + Math.floor(rand() * span);
    if (svcIndex >= 24) startedAt = HISTORY_START + Math.floor(rand() * (Date.parse('2025-01-01T00:00:00Z') - HISTORY_START - 86_400_000));
    const modeRoll = rand();
    const mode: Mode = modeRoll < 0.7 ? 'drill' : modeRoll < 0.9 ? 'failover' : 'failback';
    const withWrite = rand() < 0.85;
    const aborted = rand() < 0.05;
    let t = startedAt + 1000;
    const steps: SeededStep[] = [];
    const push = (id: string, ms: number, output: Record<string, number> | null) => {
      steps.push({ id, startedAt: t, endedAt: t + ms, output });
      t += ms + 5;
    };
    push('read-check', 200 + Math.floor(rand() * 300), { rows: 1 });
    if (!aborted) {
      push('fence', 1000 + Math.floor(rand() * 20_000), null);
      const rpo = Math.floor(rand() * 3) === 0 ? svc.rpoMs + 1000 + Math.floor(rand() * 5000) : Math.floor(rand() * svc.rpoMs);
      push('measure-rpo', 100, { rpoMs: rpo });
      if (withWrite) push('write-check', 20_000 + Math.floor(rand() * 140_000), { rows: 1 });
    }
    const fence = steps.find((s) => s.id === 'fence');
    const write = steps.find((s) => s.id === 'write-check');
    const rtoMs = fence && write ? write.endedAt - fence.startedAt : null;
    const rpoMs = steps.find((s) => s.id === 'measure-rpo')?.output?.rpoMs ?? null;
    const missed = (rtoMs !== null && rtoMs > svc.rtoMs) || (rpoMs !== null && rpoMs > svc.rpoMs);
    runs.push({
      runId: `seed-${String(n).padStart(5, '0')}`, service: svc.name, mode, withWrite, status: aborted ? 'aborted' : 'completed', verdict: aborted || missed ? 'fail' : 'pass',
      startedAt, endedAt: t + 10, steps, rtoMs, rpoMs,
    });
  }
  return runs;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export async function seedHistory(db: Kysely<Database>, runCount = 2100): Promise<{ services: SeededService[]; runs: SeededRun[]; events: number }> {
  const services = seededServices();
  const inventory: LoadedInventory = {
    apiVersion: 'drillbook/v1', kind: 'ServiceInventory', timezone: 'UTC', file: 'seed/services.yaml',
    notifications: { dueWithin: 14 * 86_400_000 }, alerts: { rtoShare: 0.8 }, blackouts: [],
    services: services.map((s) => {
      const plan = seededPlan(s.name, true, s.runbookChanged ? 2 : 1);
      return {
        name: s.name, owner: `${s.name}-team`, criticality: s.criticality, sites: ['site-a', 'site-b'], objectives: { rto: s.rtoMs, rpo: s.rpoMs },
        alerts: {}, entryHash: `entry-${s.name}`,
        runbooks: [{ file: `${s.name}.yaml`, mode: 'drill', params: {}, expectedDurations: {}, path: `/seed/${s.name}.yaml`, plan, planHash: planHash(plan), resolvedParams: {} }],
      };
    }),
  } as LoadedInventory;
  // Applied before the history starts, so every service existed in every period judged.
  await applyInventory(db, inventory, 'seed', new Date(HISTORY_START - 86_400_000));

  const runs = generateRuns(services, runCount);
  const plans = new Map<string, { plan: Plan; hash: string }>();
  const planOf = (r: SeededRun) => {
    const key = `${r.service}/${r.withWrite}`;
    if (!plans.has(key)) {
      const plan = seededPlan(r.service, r.withWrite, 1);
      plans.set(key, { plan, hash: planHash(plan) });
    }
    return plans.get(key)!;
  };
  await inBatches(runs, 20, (r) => {
    const { plan, hash } = planOf(r);
    return recordRunStarted(db, {
      runId: r.runId, runbookName: plan.runbook.name, runbookVersion: plan.runbook.version, planHash: hash, plan: plan as never, mode: r.mode, params: {},
      services: [r.service], initiator: 'scheduler', reason: 'half-yearly drill', objectives: plan.objectives, startedAt: new Date(r.startedAt),
    });
  });
  let events = 0;
  for (let i = 0; i < runs.length; i += 100) {
    const batch: AuditEventInput[] = runs.slice(i, i + 100).flatMap((r): AuditEventInput[] => [
      { key: `${r.runId}/-/run/started`, runId: r.runId, type: 'run.started', actor: 'scheduler', at: new Date(r.startedAt), data: { mode: r.mode, services: [r.service] } },
      ...r.steps.map((s) => ({ key: `${r.runId}/${s.id}/1/completed`, runId: r.runId, type: 'step.completed', stepId: s.id, actor: 'drillbook', at: new Date(s.endedAt), data: { output: s.output } as AuditEventInput['data'] })),
      { key: `${r.runId}/-/run/ended`, runId: r.runId, type: `run.${r.status}`, actor: 'drillbook', at: new Date(r.endedAt), data: { verdict: r.verdict, rtoMs: r.rtoMs, rpoMs: r.rpoMs } },
    ]);
    events += (await appendAuditEvents(db, batch)).inserted;
  }
  await inBatches(runs.flatMap((r) => r.steps.map((s) => ({ r, s }))), 20, ({ r, s }) =>
    recordStepResult(db, { runId: r.runId, stepId: s.id, execution: 1, status: 'completed', attempts: 1, startedAt: new Date(s.startedAt), endedAt: new Date(s.endedAt), output: s.output }),
  );
  await inBatches(runs, 20, (r) => {
    // RTO/RPO as the workflow computes them: from the marked steps' recorded times and outputs.
    const results = new Map(r.steps.map((s) => [s.id, { output: s.output, startedAt: new Date(s.startedAt).toISOString(), endedAt: new Date(s.endedAt).toISOString() }]));
    const measured = computeObjectives(planOf(r).plan, results);
    return recordRunEnded(db, { runId: r.runId, status: r.status, verdict: r.verdict, endedAt: new Date(r.endedAt), rtoMs: measured.rtoMs ?? null, rpoMs: measured.rpoMs ?? null });
  });
  return { services, runs, events };
}
