/**
 * What changed between two compiled plans of a runbook: its version and hash, steps (pre-checks and
 * main steps) added, removed and changed, params, objectives, guards, and any other header field.
 * Each change names a field path (`action.input.url`, `retry.maxAttempts`) with the values before
 * and after, compared as canonical JSON; a `secret` param's default (a reference) is named, never
 * shown. Pure: no `node:` imports (this folder is bundled into workflow code).
 */
import { canonicalJson } from './canonical';
import type { Json, Plan, PlanGuard, PlanParam, PlanStep } from './types';

/** One changed field. `before`/`after` are absent where the field was absent, or withheld (`redacted`). */
export interface FieldChange {
  path: string;
  before?: Json;
  after?: Json;
  /** The values are not shown (a secret param's reference). */
  redacted?: true;
}

export interface ItemRef {
  id: string;
  title: string;
  kind: string;
}

export interface ItemChange extends ItemRef {
  fields: FieldChange[];
}

export interface ItemsDiff {
  added: ItemRef[];
  removed: ItemRef[];
  changed: ItemChange[];
}

export interface ParamsDiff {
  added: { name: string; type: string; required: boolean }[];
  removed: { name: string; type: string; required: boolean }[];
  changed: { name: string; fields: FieldChange[] }[];
}

export interface PlanDiff {
  runbook: { name: string; before: { version: string; planHash: string }; after: { version: string; planHash: string } };
  /** Same plan hash: nothing that runs differs. */
  identical: boolean;
  prechecks: ItemsDiff;
  steps: ItemsDiff;
  /** The file order of the steps both plans have, when it differs (else null). */
  order: { before: string[]; after: string[] } | null;
  params: ParamsDiff;
  /** `rtoMs`, `rpoMs`. */
  objectives: FieldChange[];
  guards: ItemsDiff;
  /** Everything else of the plan: runbook name, version, description, owners, services, modes. */
  header: FieldChange[];
}

/** Fields of a step that are not what it does: where it was written. */
const STEP_IGNORED = new Set(['id', 'source']);
/** Top-level fields diffed on their own, or not part of the hash. */
const PLAN_OWN = new Set(['steps', 'params', 'guards', 'objectives', 'source']);

/** Compares `before` (the earlier plan) with `after`; hashes as the runs pinned them. */
export function diffPlans(before: Plan, beforeHash: string, after: Plan, afterHash: string): PlanDiff {
  const phase = (p: Plan, ph: PlanStep['phase']) => p.steps.filter((s) => s.phase === ph);
  const stepRef = (s: PlanStep): ItemRef => ({ id: s.id, title: s.title, kind: s.kind });
  const guardRef = (g: PlanGuard): ItemRef => ({ id: g.id, title: g.title, kind: 'guard' });
  const common = (a: Plan, b: Plan) => {
    const inB = new Set(b.steps.map((s) => s.id));
    return a.steps.map((s) => s.id).filter((id) => inB.has(id));
  };
  const orderBefore = common(before, after);
  const orderAfter = common(after, before);
  return {
    runbook: {
      name: after.runbook.name,
      before: { version: before.runbook.version, planHash: beforeHash },
      after: { version: after.runbook.version, planHash: afterHash },
    },
    identical: beforeHash === afterHash,
    // A step that moved between phases is "changed" (field `phase`) in the phase it has now.
    prechecks: diffItems(phase(before, 'precheck'), phase(after, 'precheck'), stepRef, before.steps, after.steps),
    steps: diffItems(phase(before, 'main'), phase(after, 'main'), stepRef, before.steps, after.steps),
    order: orderBefore.join('\n') === orderAfter.join('\n') ? null : { before: orderBefore, after: orderAfter },
    params: diffParams(before.params, after.params),
    objectives: diffValues(before.objectives as unknown as Json, after.objectives as unknown as Json, ''),
    guards: diffItems(before.guards ?? [], after.guards ?? [], guardRef, before.guards ?? [], after.guards ?? []),
    header: diffValues(pick(before), pick(after), ''),
  };
}

/** Whether the diff names any change (every field of the hashed plan is compared, so differing hashes always do). */
export function hasChanges(d: PlanDiff): boolean {
  const items = (x: ItemsDiff) => x.added.length + x.removed.length + x.changed.length;
  return items(d.prechecks) + items(d.steps) + items(d.guards) + d.params.added.length + d.params.removed.length + d.params.changed.length
    + d.objectives.length + d.header.length > 0 || d.order !== null;
}

function pick(p: Plan): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(p)) if (!PLAN_OWN.has(k) && v !== undefined) out[k] = v as Json;
  return out;
}

/**
 * Items (steps or guards) matched by id. `everyBefore`/`everyAfter` are all items of each plan, so a
 * step that only moved between phases is "changed" (field `phase`) in its new phase, and neither
 * "added" there nor "removed" from its old one.
 */
function diffItems<T extends { id: string }>(before: readonly T[], after: readonly T[], ref: (x: T) => ItemRef, everyBefore: readonly T[], everyAfter: readonly T[]): ItemsDiff {
  const beforeById = new Map(everyBefore.map((x) => [x.id, x]));
  const afterIds = new Set(everyAfter.map((x) => x.id));
  const out: ItemsDiff = { added: [], removed: [], changed: [] };
  for (const x of before) if (!afterIds.has(x.id)) out.removed.push(ref(x));
  for (const x of after) {
    const old = beforeById.get(x.id);
    if (!old) {
      out.added.push(ref(x));
      continue;
    }
    const fields = diffValues(strip(old), strip(x), '');
    if (fields.length) out.changed.push({ ...ref(x), fields });
  }
  return out;
}

function strip(x: object): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(x)) if (!STEP_IGNORED.has(k) && v !== undefined) out[k] = v as Json;
  return out;
}

function diffParams(before: readonly PlanParam[], after: readonly PlanParam[]): ParamsDiff {
  const afterByName = new Map(after.map((p) => [p.name, p]));
  const beforeByName = new Map(before.map((p) => [p.name, p]));
  const ref = (p: PlanParam) => ({ name: p.name, type: p.type, required: p.required });
  const out: ParamsDiff = { added: [], removed: [], changed: [] };
  for (const p of before) if (!afterByName.has(p.name)) out.removed.push(ref(p));
  for (const p of after) {
    const old = beforeByName.get(p.name);
    if (!old) {
      out.added.push(ref(p));
      continue;
    }
    const secret = old.type === 'secret' || p.type === 'secret';
    const fields = diffValues(strip(old), strip(p), '').map((f): FieldChange => (secret && f.path === 'default' ? { path: f.path, redacted: true } : f));
    if (fields.length) out.changed.push({ name: p.name, fields });
  }
  return out;
}

const isRecord = (v: Json | undefined): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Leaf paths whose canonical JSON differs. Objects are walked key by key; arrays and scalars are
 * compared whole (a changed `needs` or argv shows as its two lists).
 */
export function diffValues(before: Json | undefined, after: Json | undefined, path: string): FieldChange[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (before === undefined && after === undefined) return [];
  if (before !== undefined && after !== undefined && canonicalJson(before) === canonicalJson(after)) return [];
  return [{ path: path || '(whole)', ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

/** One change as a line a person reads: what kind of thing, which one, and what happened to it. */
export interface ChangeLine {
  what: string;
  item: string;
  detail: string;
}

/** Values in a line: JSON, a long one cut (the structured diff keeps it whole). */
function shown(v: Json | undefined): string {
  if (v === undefined) return '(none)';
  const text = typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function fieldText(f: FieldChange): string {
  return f.redacted ? `${f.path} changed (a secret reference: not shown)` : `${f.path}: ${shown(f.before)} -> ${shown(f.after)}`;
}

/** The diff as lines, in a fixed order: header, objectives, params, pre-checks, steps, order, guards. */
export function describeChanges(d: PlanDiff): ChangeLine[] {
  const out: ChangeLine[] = [];
  for (const f of d.header) out.push({ what: 'runbook', item: f.path, detail: fieldText(f) });
  for (const f of d.objectives) out.push({ what: 'objective', item: f.path, detail: fieldText(f) });
  for (const p of d.params.added) out.push({ what: 'param added', item: p.name, detail: `${p.type}${p.required ? ', required' : ''}` });
  for (const p of d.params.removed) out.push({ what: 'param removed', item: p.name, detail: `${p.type}${p.required ? ', required' : ''}` });
  for (const p of d.params.changed) out.push({ what: 'param changed', item: p.name, detail: p.fields.map(fieldText).join('; ') });
  const items = (x: ItemsDiff, noun: string) => {
    for (const s of x.added) out.push({ what: `${noun} added`, item: s.id, detail: `${s.kind}: ${s.title}` });
    for (const s of x.removed) out.push({ what: `${noun} removed`, item: s.id, detail: `${s.kind}: ${s.title}` });
    for (const s of x.changed) out.push({ what: `${noun} changed`, item: s.id, detail: s.fields.map(fieldText).join('; ') });
  };
  items(d.prechecks, 'pre-check');
  items(d.steps, 'step');
  if (d.order) out.push({ what: 'step order', item: '', detail: `${d.order.before.join(', ')} -> ${d.order.after.join(', ')}` });
  items(d.guards, 'guard');
  return out;
}
