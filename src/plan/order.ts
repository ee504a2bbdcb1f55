/**
 * Dry run: the order in which a plan's steps would run for a mode and params, without calling anything.
 * Pure: no `node:` imports (the console and the CLI both show it).
 *
 * Semantics shared with the interpreter: a step runs once all its needs have finished; a step whose
 * `when` is false is skipped, and a skipped step counts as finished for the steps that need it (needs
 * order steps; they do not require success). A `when` that reads step outputs is decided at run time:
 * such a step stays in the waves. A sequence's members are in its wave, not in waves of their own.
 */
import { evaluateCondition, ExpressionError, referencedNames } from './expression';
import type { Mode, Plan } from './types';

export interface DryRunOrder {
  /** Steps that can run at the same time, wave after wave. */
  waves: string[][];
  skipped: { id: string; reason: string }[];
  /** Steps whose `when` reads step outputs: kept in the waves, decided at run time. */
  decidedAtRunTime: { id: string; reason: string }[];
  /** Why no order could be given (mode not in the plan, a cycle, a `when` that fails); empty if none. */
  errors: string[];
}

/** Never throws. */
export function dryRunOrder(plan: Plan, mode: Mode, values: Record<string, string | number | boolean>): DryRunOrder {
  const result: DryRunOrder = { waves: [], skipped: [], decidedAtRunTime: [], errors: [] };
  if (!plan.modes.includes(mode)) {
    result.errors.push(`mode "${mode}" is not one of this runbook's modes (${plan.modes.join(', ')})`);
    return result;
  }

  const skipped = new Set<string>();
  for (const step of plan.steps) {
    if (!step.when) continue;
    const readsSteps = referencedNames(step.when).some((r) => r.root === 'steps');
    if (readsSteps) {
      result.decidedAtRunTime.push({ id: step.id, reason: `decided at run time: when ${step.when.source}` });
      continue;
    }
    try {
      if (!evaluateCondition(step.when, { mode, params: values, steps: {} })) {
        skipped.add(step.id);
        result.skipped.push({ id: step.id, reason: `when ${step.when.source} is false` });
      }
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      result.errors.push(`step "${step.id}": when ${step.when.source}: ${err.message}`);
    }
  }

  // Wave of a step = 1 + the latest wave among its needs; skipped steps take no wave of their own
  // but pass their needs' wave on, so a step after a skipped one is not delayed by it.
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (id: string): number => {
    // A sequence's members run inside it: they finish when it does.
    const container = byId.get(id)?.sequence;
    if (container !== undefined) return levelOf(container);
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw new CycleError(id);
    visiting.add(id);
    const after = Math.max(-1, ...(byId.get(id)?.needs ?? []).filter((n) => byId.has(n)).map(levelOf));
    visiting.delete(id);
    const own = skipped.has(id) ? after : after + 1;
    level.set(id, own);
    return own;
  };
  try {
    for (const step of plan.steps) {
      const l = levelOf(step.id);
      if (skipped.has(step.id) || step.sequence !== undefined) continue;
      (result.waves[l] ??= []).push(step.id);
    }
  } catch (err) {
    if (!(err instanceof CycleError)) throw err;
    result.errors.push(`the steps' needs form a cycle through "${err.id}"`);
    result.waves = [];
  }
  result.waves = result.waves.filter((w): w is string[] => Array.isArray(w) && w.length > 0);
  return result;
}

class CycleError extends Error {
  constructor(readonly id: string) {
    super(`cycle through ${id}`);
  }
}

