/**
 * Checks every expression of a runbook (`when`, `expect`, templates in adapter inputs): it parses, and
 * every name it reads exists and is available when it runs (a step's output only once that step has
 * finished, i.e. when it is a transitive need).
 */
import { comparedModes, referencedNames, STEP_FIELDS, type Reference } from '../plan/expression';
import { parseExpression, type ParseResult } from '../plan/expression-parser';
import { templateExpressions } from '../plan/template';
import { MODES } from '../plan/types';
import { didYouMean } from './diagnostics';
import type { LooseAdapterCall } from './every-adapter-call';
import type { CheckContext, Path } from './findings';
import type { LooseStep, StepGraph } from './step-graph';

export interface ReferenceScope {
  params: string[];
  /** The runbook's modes; undefined when they are malformed (then mode comparisons are not checked). */
  modes?: string[];
}

/** Where an expression sits in a step, and whether it may read `output`. */
interface ExpressionSite {
  /** The step it belongs to; absent for a guard's probe (it reads mode and params only). */
  step?: LooseStep;
  path: Path;
  source: string;
  /** Offset of `source` inside the YAML string (templates). */
  offset: number;
  allowOutput: boolean;
  parsed: ParseResult;
}

/** The expressions a step holds itself (`when`, a check's `expect`); its calls' templates come from the walker. */
function stepExpressionSites(step: LooseStep): ExpressionSite[] {
  const sites: ExpressionSite[] = [];
  const direct = (field: string, allowOutput: boolean) => {
    const source = step.raw[field];
    if (typeof source === 'string') sites.push({ step, path: [...step.path, field], source, offset: 0, allowOutput, parsed: parseExpression(source) });
  };
  direct('when', false);
  if (step.kind === 'check') direct('expect', true);
  return sites;
}

/** The templates in an adapter call's input. */
function callExpressionSites(call: LooseAdapterCall): ExpressionSite[] {
  return templateExpressions(call.input).map((t) => ({
    ...(call.step ? { step: call.step } : {}),
    path: [...call.path, 'input', ...t.path],
    source: t.source,
    offset: t.offset,
    allowOutput: call.allowOutput,
    parsed: t.parsed,
  }));
}

/** Checks the expressions of every step and the templates of every adapter call (everyAdapterCall). */
export function checkReferences(steps: LooseStep[], calls: LooseAdapterCall[], graph: StepGraph, scope: ReferenceScope, ctx: CheckContext): void {
  for (const site of [...steps.flatMap(stepExpressionSites), ...calls.flatMap(callExpressionSites)]) {
    const parsed = site.parsed;
    if (!parsed.ok) {
      ctx.report({ path: site.path, code: 'expression.syntax', message: `${parsed.error} in "${site.source}"`, offset: site.offset + parsed.index });
      continue;
    }
    for (const ref of referencedNames(parsed.expr.ast)) {
      checkReference(ref, site, graph, scope, ctx);
    }
    if (scope.modes) {
      for (const mode of comparedModes(parsed.expr.ast)) {
        if (!scope.modes.includes(mode)) {
          const known = (MODES as readonly string[]).includes(mode) ? '' : didYouMean(mode, MODES);
          ctx.report({
            path: site.path,
            code: 'ref.unknown_mode',
            message: `mode "${mode}" is not a mode of this runbook (${scope.modes.join(', ')})${known}`,
            offset: site.offset,
          });
        }
      }
    }
  }
}

function checkReference(
  ref: Reference,
  site: ExpressionSite,
  graph: StepGraph,
  scope: ReferenceScope,
  ctx: CheckContext,
): void {
  const report = (code: Parameters<CheckContext['report']>[0]['code'], message: string, severity?: 'warning') =>
    ctx.report({ path: site.path, code, message, offset: site.offset, ...(severity ? { severity } : {}) });
  const roots = site.allowOutput ? ['mode', 'params', 'steps', 'output'] : ['mode', 'params', 'steps'];
  const [first, second] = ref.path;

  switch (ref.root) {
    case 'mode':
      return;
    case 'output':
      if (!site.allowOutput) report('ref.unknown_name', "output is only available in a check's expect and in compensate");
      return;
    case 'params':
      if (first === undefined) {
        if (ref.dynamic) report('ref.dynamic', 'a param name computed at run time cannot be checked', 'warning');
        return;
      }
      if (!scope.params.includes(String(first))) {
        const hint = didYouMean(String(first), scope.params) || (scope.params.length ? ` (declared: ${scope.params.join(', ')})` : ' (no params declared)');
        report('ref.unknown_param', `unknown param "${String(first)}"${hint}`);
      }
      return;
    case 'steps': {
      if (first === undefined) {
        if (ref.dynamic) report('ref.dynamic', 'a step id computed at run time cannot be checked', 'warning');
        return;
      }
      const id = String(first);
      if (!graph.byId.has(id)) {
        report('ref.unknown_step', `unknown step "${id}" in steps.${id}${didYouMean(id, graph.byId.keys())}`);
        return;
      }
      if (second !== undefined && !(STEP_FIELDS as readonly string[]).includes(String(second))) {
        report('ref.unknown_step_field', `steps.${id}.${String(second)}: a step exposes only ${STEP_FIELDS.join(' and ')}${didYouMean(String(second), STEP_FIELDS)}`);
      }
      const step = site.step;
      if (step === undefined) {
        report('ref.not_upstream', `a guard's probe runs beside the steps and cannot read steps.${id}; it reads mode and params`);
        return;
      }
      if (step.id === undefined) return;
      if (id === step.id) {
        report('ref.not_upstream', `step "${id}" reads its own result before it runs${site.allowOutput ? '; use output' : ''}`);
      } else if (!graph.upstream(step.id).has(id)) {
        report('ref.not_upstream', `step "${step.id}" reads steps.${id} but does not need it: add "${id}" to its needs (directly or through another step)`);
      }
      return;
    }
    default:
      report('ref.unknown_name', `unknown name "${ref.root}"; an expression reads ${roots.join(', ')}${didYouMean(ref.root, roots)}`);
  }
}
