/**
 * The step graph, read leniently from whatever the YAML holds (so its checks run even when other
 * parts of the runbook have shape errors): unique ids, known needs, no cycles, and who is upstream.
 */
import { didYouMean } from './diagnostics';
import { isRecord, type CheckContext, type Path } from './findings';

export interface LooseStep {
  phase: 'precheck' | 'main';
  /** Where the step is: `['steps', 3]`. */
  path: Path;
  /** Undefined when the id is missing or not a string (the schema reports it). */
  id?: string;
  kind?: string;
  needs: { id: string; path: Path }[];
  raw: Record<string, unknown>;
  /** A member's sequence id. */
  sequence?: string;
}

/**
 * Pre-checks then steps, in file order, skipping entries that are not mappings. A sequence's members
 * follow it, each needing the member before it (the first: what the sequence needs), and the sequence
 * needs its last member here, so that steps after it may read its members' outputs.
 */
export function collectSteps(runbook: Record<string, unknown>): LooseStep[] {
  const steps: LooseStep[] = [];
  for (const [list, phase] of [['prechecks', 'precheck'], ['steps', 'main']] as const) {
    const items = runbook[list];
    if (!Array.isArray(items)) continue;
    items.forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const step = looseStep(raw, [list, i], phase);
      steps.push(step);
      if (step.kind === 'sequence' && Array.isArray(raw.steps)) steps.push(...sequenceMembers(step, raw.steps));
    });
  }
  return steps;
}

function looseStep(raw: Record<string, unknown>, path: Path, phase: LooseStep['phase'], sequence?: string): LooseStep {
  const needs = Array.isArray(raw.needs)
    ? raw.needs.flatMap((n, j) => (typeof n === 'string' ? [{ id: n, path: [...path, 'needs', j] }] : []))
    : [];
  return {
    phase,
    path,
    id: typeof raw.id === 'string' ? raw.id : undefined,
    kind: typeof raw.kind === 'string' ? raw.kind : phase === 'precheck' ? 'check' : undefined,
    needs,
    raw,
    ...(sequence !== undefined ? { sequence } : {}),
  };
}

function sequenceMembers(sequence: LooseStep, items: unknown[]): LooseStep[] {
  const members: LooseStep[] = [];
  let before = sequence.needs;
  items.forEach((raw, j) => {
    if (!isRecord(raw)) return;
    const member = looseStep(raw, [...sequence.path, 'steps', j], sequence.phase, sequence.id ?? '');
    // Implicit needs point at the member itself: written `needs` are refused by the schema.
    member.needs = before.map((n) => ({ id: n.id, path: member.path }));
    if (member.id !== undefined) before = [{ id: member.id, path: member.path }];
    members.push(member);
  });
  const last = members[members.length - 1];
  if (last?.id !== undefined && !sequence.needs.some((n) => n.id === last.id)) sequence.needs = [...sequence.needs, { id: last.id, path: sequence.path }];
  return members;
}

export interface StepGraph {
  /** First step of each id. */
  byId: Map<string, LooseStep>;
  /** Ids a step needs, resolved and known, with a main step's implicit need of every pre-check. */
  edges: Map<string, string[]>;
  /** All transitive needs of a step (memoized; safe with cycles). */
  upstream(id: string): Set<string>;
}

/** Checks ids and needs, reports cycles, and returns the graph for the reference checks. */
export function checkStepGraph(steps: LooseStep[], ctx: CheckContext): StepGraph {
  const byId = new Map<string, LooseStep>();
  for (const step of steps) {
    if (step.raw.id === undefined) {
      // zod says so too when the step's kind is known (the duplicate is merged); not when it is not.
      ctx.report({ path: [...step.path, 'id'], code: 'schema.missing_key', message: 'missing required key "id"' });
    }
    if (step.id === undefined) continue;
    const first = byId.get(step.id);
    if (first) {
      ctx.report({
        path: [...step.path, 'id'],
        code: 'step.duplicate_id',
        message: `duplicate step id "${step.id}" (first defined at line ${ctx.lineOf(first.path)})`,
      });
    } else byId.set(step.id, step);
  }

  const prechecks = steps.filter((s) => s.phase === 'precheck' && s.id !== undefined).map((s) => s.id as string);
  const edges = new Map<string, string[]>();
  for (const step of byId.values()) {
    const id = step.id as string;
    const seen = new Set<string>();
    const explicit: string[] = [];
    for (const need of step.needs) {
      if (seen.has(need.id)) {
        ctx.report({ path: need.path, code: 'step.duplicate_need', message: `"${need.id}" is already in needs`, severity: 'warning' });
        continue;
      }
      seen.add(need.id);
      const target = byId.get(need.id);
      if (!target) {
        const hint = didYouMean(need.id, byId.keys());
        ctx.report({ path: need.path, code: 'step.unknown_need', message: `step "${id}" needs unknown step "${need.id}"${hint}` });
      } else if (step.phase === 'precheck' && target.phase === 'main') {
        ctx.report({
          path: need.path,
          code: 'step.precheck_needs_main',
          message: `pre-check "${id}" cannot need main step "${need.id}": every main step runs after all pre-checks`,
        });
      } else explicit.push(need.id);
    }
    edges.set(id, explicit);
  }

  for (const cycle of findCycles(byId, edges)) {
    const start = byId.get(cycle[0]) as LooseStep;
    ctx.report({ path: [...start.path, 'needs'], code: 'step.cycle', message: `needs form a cycle: ${cycle.join(' -> ')}` });
  }

  const memo = new Map<string, Set<string>>();
  const upstream = (id: string): Set<string> => {
    const cached = memo.get(id);
    if (cached) return cached;
    const result = new Set<string>();
    memo.set(id, result); // set before the walk so a cycle ends instead of recursing forever
    const step = byId.get(id);
    const direct = [...(edges.get(id) ?? []), ...(step?.phase === 'main' ? prechecks : [])];
    for (const need of direct) {
      if (result.has(need)) continue;
      result.add(need);
      for (const further of upstream(need)) result.add(further);
    }
    return result;
  };

  return { byId, edges, upstream };
}

/**
 * One cycle per strongly connected component (Tarjan), written from the component's first step in
 * file order along its needs: `a -> b -> c -> a` reads "a needs b, b needs c, c needs a".
 */
export function findCycles(byId: Map<string, unknown>, edges: Map<string, string[]>): string[][] {
  const order = [...byId.keys()];
  const rank = new Map(order.map((id, i) => [id, i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = component.length === 1 && (edges.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const id of order) if (!index.has(id)) strongConnect(id);

  return components
    .map((component) => {
      const members = new Set(component);
      const start = component.reduce((a, b) => ((rank.get(a) as number) < (rank.get(b) as number) ? a : b));
      return pathBack(start, members, edges);
    })
    .sort((a, b) => (rank.get(a[0]) as number) - (rank.get(b[0]) as number));
}

/** A path start -> ... -> start inside one component (depth-first, needs in written order). */
function pathBack(start: string, members: Set<string>, edges: Map<string, string[]>): string[] {
  const visited = new Set<string>();
  const walk = (node: string, path: string[]): string[] | null => {
    for (const next of edges.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) return [...path, start];
      if (visited.has(next)) continue;
      visited.add(next);
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return null;
  };
  return walk(start, [start]) ?? [start, start];
}
