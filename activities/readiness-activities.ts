/**
 * Continuous readiness (docs/readiness.md): the activity a `readinessCheck` workflow runs for one
 * service. For each runbook registered for real use that drills the service (its latest registered
 * version), it evaluates the runbook's pre-checks with the real adapters — probes only: a pre-check
 * that is not a `check` is never run here, as it could change something — and records the result
 * (src/readiness/record.ts: the projection always, a `readiness.changed` event on a change only).
 *
 * The params: the applied inventory's for that runbook of the service, over the runbook's defaults. A
 * pre-check that reads a param with neither cannot be evaluated: the runbook's state is `unknown`, and
 * why says which param.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../src/audit/database';
import { programmeDb } from '../src/inventory/tables';
import { evaluate, type Scope } from '../src/plan/expression';
import { resolveParams, type ParamValue } from '../src/plan/params';
import type { CheckStep, Json, Mode, Plan } from '../src/plan/types';
import type { ReadinessCheckActivityInput, ReadinessCheckResult } from '../src/plan/readiness';
import { forgetUnregistered, recordEvaluation, type ReadinessResult } from '../src/readiness/record';
import { latestRegisteredPlans } from '../src/real-runs/registrations';
import { activityEnvironment, type AdapterEnvironment } from './adapter-call';
import { describeFailure, probeUntilExpected } from './probe-until-expected';

export interface ReadinessActivityDeps {
  db: Kysely<Database>;
  /** Recorded as the actor of readiness events. */
  identity: string;
  /** Named PostgreSQL connections of this worker, for `postgres` pre-checks that name one. */
  connections?: Record<string, string>;
}

export function createReadinessActivities(deps: ReadinessActivityDeps) {
  const { db } = deps;
  return {
    async evaluateReadiness(input: ReadinessCheckActivityInput): Promise<ReadinessCheckResult> {
      const registered = await latestRegisteredPlans(db, input.service);
      await forgetUnregistered(db, input.service, registered.map((r) => r.runbook));
      const params = await inventoryParams(db, input.service);
      const env = activityEnvironment(deps.connections);
      const runbooks: ReadinessCheckResult['runbooks'] = [];
      for (const r of registered) {
        // Each runbook's probes take their own time: the workflow hears from this activity between them.
        env.heartbeat({ runbook: r.runbook });
        const evaluatedAt = new Date();
        const result = await evaluatePrechecks(r.plan, params.get(r.runbook) ?? {}, env);
        const outcome = await recordEvaluation(db, {
          service: input.service,
          runbook: r.runbook,
          planHash: r.planHash,
          evaluatedAt,
          evaluationId: input.evaluationId,
          actor: deps.identity,
          result,
        });
        runbooks.push({ runbook: r.runbook, planHash: r.planHash, state: result.state, changed: outcome.changed });
      }
      return { service: input.service, runbooks };
    },
  };
}

export type ReadinessActivities = ReturnType<typeof createReadinessActivities>;

/** Per runbook name, the params the applied inventory gives it for `service` (none when not applied). */
async function inventoryParams(db: Kysely<Database>, service: string): Promise<Map<string, Record<string, ParamValue>>> {
  const row = await programmeDb(db).selectFrom('services').select(['runbooks', 'entry']).where('name', '=', service).where('retired_at', 'is', null).executeTakeFirst();
  const out = new Map<string, Record<string, ParamValue>>();
  if (!row) return out;
  const entries = ((row.entry as { runbooks?: { params?: Record<string, ParamValue> }[] }).runbooks ?? []);
  row.runbooks.forEach((rb, i) => {
    if (!out.has(rb.name)) out.set(rb.name, entries[i]?.params ?? {});
  });
  return out;
}

/** The runbook's check pre-checks in order; the first that fails makes it not ready. */
export async function evaluatePrechecks(plan: Plan, given: Record<string, ParamValue>, env: AdapterEnvironment): Promise<ReadinessResult> {
  const checks = plan.steps.filter((s): s is CheckStep => s.phase === 'precheck' && s.kind === 'check');
  if (!checks.length) return { state: 'unknown', reason: 'the runbook has no check pre-checks to evaluate' };
  const declared = new Set(plan.params.map((p) => p.name));
  // Only the params this version declares (the inventory may name a later version's).
  const raw = Object.fromEntries(Object.entries(given).filter(([name]) => declared.has(name)));
  const { values } = resolveParams(plan, raw);
  for (const check of checks) {
    const missing = paramsRead(check).filter((name) => values[name] === undefined);
    if (missing.length) {
      return { state: 'unknown', reason: `pre-check "${check.id}" reads param ${missing.map((m) => `"${m}"`).join(', ')}, which has no default and no value in the inventory` };
    }
  }
  const mode: Mode = plan.modes.includes('drill') ? 'drill' : plan.modes[0];
  const scope: Scope = { mode, params: values, steps: {} };
  for (const check of checks) {
    try {
      if (check.when && !evaluate(check.when, scope)) {
        scope.steps[check.id] = { output: null, status: 'skipped' };
        continue;
      }
      const { output } = await probeUntilExpected(check, scope, env);
      scope.steps[check.id] = { output, status: 'completed' };
    } catch (err) {
      // The adapter call redacted every secret it resolved from the output and the error.
      return { state: 'not-ready', failing: { check: check.id, output: describeFailure(err).message } };
    }
  }
  return { state: 'ready' };
}

/** The params a step's probe, expectation and condition read (`params.x`, `params['x']`). */
function paramsRead(check: CheckStep): string[] {
  const text = JSON.stringify([check.probe.input, check.expect, check.when ?? null] as Json);
  const names = new Set<string>();
  for (const m of text.matchAll(/params(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\\?['"]([^'"\\]+)\\?['"]\])/g)) names.add(m[1] ?? m[2]);
  return [...names];
}
