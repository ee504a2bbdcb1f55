/**
 * Campaign files: runbooks run in order as phases (docs/campaigns.md). Read with the runbook parser
 * (positions, limits), checked with a strict zod schema, and every phase's runbook loaded and
 * validated too (by the caller's `loadRunbook`: from files, or the API's parse pool): each problem is
 * a diagnostic at file:line:col of the campaign, at the phase. Imports no runbook schema (names.ts).
 */
import { z } from 'zod';
import { campaignDocument, PHASE_ON_FAILURE, type CampaignInput, type CampaignPhase, type PhaseTargets } from '../plan/campaign';
import { resolveParams, type ParamValue, type ResolveParamsOptions } from '../plan/params';
import { MODES, type Mode, type Plan } from '../plan/types';
import { planHash } from './compile';
import { capMessage, formatDiagnostic, sortDiagnostics, type Diagnostic } from './diagnostics';
import type { CheckContext, Finding, Path } from './findings';
import { isRecord } from './findings';
import type { InventoryTargets } from './inventory-check';
import type { LoadResult } from './load';
import { locate, parseRunbookYaml, type RunbookSource } from './parse';
import { API_VERSION, STEP_ID_PATTERN } from './names';
import { issueFindings } from './zod-issues';

const ParamValueSchema = z.union([z.string(), z.number(), z.boolean()]);

export const CampaignPhaseSchema = z.strictObject({
  id: z.string().regex(STEP_ID_PATTERN, 'a phase id is kebab-case: lower-case letters, digits and single dashes'),
  title: z.string().min(1).optional(),
  /** The runbook file, relative to the campaign file. */
  runbook: z.string().min(1),
  /** Default: the campaign's mode. */
  mode: z.enum(MODES).optional(),
  params: z.record(z.string(), ParamValueSchema).optional(),
  /** `pause`: wait for a decision (retry, skip, abort); `abort`: stop the campaign. */
  onFailure: z.enum(PHASE_ON_FAILURE).default('pause'),
  /** Steps whose outputs the campaign keeps in its record. */
  figures: z.array(z.string()).default([]),
});

export const CampaignSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Campaign'),
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a name is lower-case letters, digits, dots, dashes, underscores'),
  version: z.string().min(1),
  description: z.string().optional(),
  mode: z.enum(MODES).default('drill'),
  phases: z.array(CampaignPhaseSchema).min(1, 'a campaign has at least one phase'),
});

export interface LoadedPhase {
  id: string;
  title: string;
  runbookFile: string;
  mode: Mode;
  onFailure: CampaignPhase['onFailure'];
  figures: string[];
  /** The params the campaign file gives the phase. */
  params: Record<string, ParamValue>;
  plan: Plan;
  planHash: string;
  targets: PhaseTargets;
}

export interface LoadedCampaign {
  name: string;
  version: string;
  description?: string;
  file: string;
  mode: Mode;
  phases: LoadedPhase[];
}

export interface CampaignLoadResult {
  /** Present only when there are no errors. */
  campaign?: LoadedCampaign;
  diagnostics: Diagnostic[];
}

export interface CampaignLoadOptions {
  /** The inventory's targets: a phase is measured against those of its services (else its runbook's). */
  inventory?: InventoryTargets;
  /** Loads (parses, validates, compiles) a phase's runbook, by its path as the campaign writes it. */
  loadRunbook: (ref: string) => LoadResult | Promise<LoadResult>;
}

/** Never rejects; `file` names the campaign in diagnostics. */
export async function loadCampaignText(text: string, file: string, options: CampaignLoadOptions): Promise<CampaignLoadResult> {
  const source = parseRunbookYaml(text, file);
  if (source.value === undefined) return { diagnostics: sortDiagnostics(source.diagnostics) };
  const diagnostics: Diagnostic[] = [...source.diagnostics];
  const ctx = context(source, diagnostics);
  const value = source.value;
  if (!isRecord(value)) {
    ctx.report({ path: [], code: 'yaml.not_a_map', message: 'a campaign is a YAML mapping (apiVersion, kind: Campaign, name, version, phases)' });
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
  const parsed = CampaignSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issueFindings(issue, { schema: CampaignSchema, data: value, basePath: [] }).forEach(ctx.report);
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
  const spec = parsed.data;
  const phases: LoadedPhase[] = [];
  const seen = new Map<string, number>();
  for (const [i, phase] of spec.phases.entries()) {
    const at: Path = ['phases', i];
    const first = seen.get(phase.id);
    if (first !== undefined) {
      ctx.report({ path: [...at, 'id'], code: 'step.duplicate_id', message: `phase id "${phase.id}" is used twice (first at line ${ctx.lineOf(['phases', first, 'id'])})` });
      continue;
    }
    seen.set(phase.id, i);
    const loaded = loadPhase(phase, spec.mode, at, await options.loadRunbook(phase.runbook), options, ctx);
    if (loaded) phases.push(loaded);
  }
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error')) return { diagnostics: sorted };
  return {
    campaign: { name: spec.name, version: spec.version, ...(spec.description !== undefined ? { description: spec.description } : {}), file, mode: spec.mode, phases },
    diagnostics: sorted,
  };
}

function context(source: RunbookSource, diagnostics: Diagnostic[]): CheckContext {
  return {
    report: (f: Finding) => {
      const { line, col } = locate(source, f.path, { key: f.at === 'key', offset: f.offset });
      diagnostics.push({ file: source.file, line, col, path: f.path, code: f.code, message: capMessage(f.message), severity: f.severity ?? 'error' });
    },
    lineOf: (path) => locate(source, path).line,
  };
}

function loadPhase(
  phase: z.output<typeof CampaignPhaseSchema>,
  campaignMode: Mode,
  at: Path,
  { plan, planHash: hash, diagnostics }: LoadResult,
  options: CampaignLoadOptions,
  ctx: CheckContext,
): LoadedPhase | undefined {
  // The runbook's own problems, each at the phase's `runbook` (its own file:line:col in the message).
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    ctx.report({ path: [...at, 'runbook'], code: 'campaign.phase_runbook', message: `phase "${phase.id}": ${formatDiagnostic(d)}` });
  }
  if (!plan || !hash) return undefined;
  const mode = phase.mode ?? campaignMode;
  let ok = true;
  if (!plan.modes.includes(mode)) {
    ok = false;
    ctx.report({
      path: phase.mode ? [...at, 'mode'] : at,
      code: 'campaign.phase_mode',
      message: `phase "${phase.id}": mode "${mode}"${phase.mode ? '' : " (the campaign's)"} is not one of runbook ${plan.runbook.name}'s modes (${plan.modes.join(', ')})`,
    });
  }
  const declared = new Set(plan.params.map((p) => p.name));
  for (const name of Object.keys(phase.params ?? {})) {
    if (declared.has(name)) continue;
    ok = false;
    ctx.report({ path: [...at, 'params', name], code: 'campaign.phase_param', at: 'key', message: `phase "${phase.id}": runbook ${plan.runbook.name} takes no param "${name}" (it takes ${[...declared].join(', ') || 'none'})` });
  }
  const stepIds = new Set(plan.steps.map((s) => s.id));
  phase.figures.forEach((stepId, j) => {
    if (stepIds.has(stepId)) return;
    ok = false;
    ctx.report({ path: [...at, 'figures', j], code: 'campaign.unknown_figure', message: `phase "${phase.id}": runbook ${plan.runbook.name} has no step "${stepId}"` });
  });
  if (!ok) return undefined;
  return {
    id: phase.id,
    title: phase.title ?? plan.runbook.description ?? plan.runbook.name,
    runbookFile: phase.runbook,
    mode,
    onFailure: phase.onFailure,
    figures: phase.figures,
    params: phase.params ?? {},
    plan,
    planHash: hash,
    targets: phaseTargets(plan, options.inventory),
  };
}

/** The inventory's targets of the plan's services (the strictest), else the runbook's objectives. */
export function phaseTargets(plan: Pick<Plan, 'services' | 'objectives'>, inventory: InventoryTargets | undefined): PhaseTargets {
  const listed = (inventory?.services ?? []).filter((s) => plan.services.includes(s.name));
  if (listed.length === 0) {
    return { ...(plan.objectives.rtoMs !== undefined ? { rtoMs: plan.objectives.rtoMs } : {}), ...(plan.objectives.rpoMs !== undefined ? { rpoMs: plan.objectives.rpoMs } : {}), source: 'runbook' };
  }
  return { rtoMs: Math.min(...listed.map((s) => s.rtoMs)), rpoMs: Math.min(...listed.map((s) => s.rpoMs)), source: 'inventory' };
}

export interface CampaignRunOptions {
  /** Params given at start (`-p`): each goes to every phase whose runbook declares it. */
  params: Record<string, ParamValue>;
  initiator: string;
  reason: string;
  taskQueue: string;
  checkSecretRef?: ResolveParamsOptions['checkSecretRef'];
}

/**
 * The campaign's pinned input (without signatures: src/temporal/start-campaign.ts signs each phase's
 * grant and the start), or the problems with the params, per phase.
 */
export function campaignInput(campaign: LoadedCampaign, opts: CampaignRunOptions): { input?: Omit<CampaignInput, 'auth'>; errors: string[] } {
  const errors: string[] = [];
  const used = new Set<string>();
  const phases: CampaignPhase[] = [];
  for (const phase of campaign.phases) {
    const raw: Record<string, ParamValue> = { ...phase.params };
    for (const p of phase.plan.params) {
      if (opts.params[p.name] === undefined) continue;
      raw[p.name] = opts.params[p.name];
      used.add(p.name);
    }
    const { values, errors: phaseErrors } = resolveParams(phase.plan, raw, opts.checkSecretRef ? { checkSecretRef: opts.checkSecretRef } : {});
    errors.push(...phaseErrors.map((e) => `phase "${phase.id}": ${e}`));
    phases.push({
      id: phase.id,
      title: phase.title,
      runbookFile: phase.runbookFile,
      onFailure: phase.onFailure,
      figures: phase.figures,
      targets: phase.targets,
      run: {
        plan: phase.plan,
        planHash: phase.planHash,
        mode: phase.mode,
        params: values,
        initiator: opts.initiator,
        reason: `campaign ${campaign.name}, phase ${phase.id}: ${opts.reason}`,
        taskQueue: opts.taskQueue,
      },
    });
  }
  for (const name of Object.keys(opts.params)) {
    if (!used.has(name)) errors.push(`unknown param "${name}": no phase's runbook takes it`);
  }
  if (errors.length) return { errors };
  const pinned = { name: campaign.name, version: campaign.version, ...(campaign.description !== undefined ? { description: campaign.description } : {}), file: campaign.file };
  return {
    input: {
      campaign: pinned,
      campaignHash: planHash(campaignDocument({ campaign: pinned, mode: campaign.mode, phases }) as unknown as Plan),
      mode: campaign.mode,
      phases,
      initiator: opts.initiator,
      reason: opts.reason,
      taskQueue: opts.taskQueue,
    },
    errors,
  };
}
