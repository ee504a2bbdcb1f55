/**
 * Validates a parsed runbook and returns every diagnostic at once, never only the first.
 *
 * Two passes over the same data: the zod schema (shape), and lenient checks that read whatever is
 * there (step graph, expressions, adapter inputs, marks). The second pass does not wait for the first
 * to succeed, because zod skips refinements on input with shape errors and authors would otherwise
 * fix errors in rounds.
 */
import { checkAdapterInputs, type AdapterRegistry } from './adapter-inputs';
import { capMessage, sortDiagnostics, type Diagnostic } from './diagnostics';
import { isRecord, type CheckContext, type Finding } from './findings';
import { checkMarks } from './marks';
import { checkLocalSteps } from './local-steps';
import { locate, type RunbookSource } from './parse';
import { checkReferences } from './references';
import { RunbookSchema, type Runbook } from './schema';
import { checkStepGraph, collectSteps } from './step-graph';
import { issueFindings } from './zod-issues';
import { configuredSecretScope, type SecretScope } from '../config/secret-scope';
import { everyAdapterCall } from './every-adapter-call';
import { checkSecretScope } from './secret-scope-check';
import { checkShellScripts } from './shell-scripts';

export interface ValidateOptions {
  /** The adapters to check inputs against, handed by the caller (the real ones: activities/adapters/index.ts `adapterRegistry`). */
  registry: AdapterRegistry;
  /**
   * The secret references runbooks may use where this runbook will run; default: this process's
   * configuration (DRILLBOOK_SECRETS_ENV_ALLOW, DRILLBOOK_SECRETS_DIRS). `false`: not checked.
   */
  secretScope?: SecretScope | false;
}

export interface ValidationResult {
  /** The parsed runbook when its shape is valid (other errors may remain: check `diagnostics`). */
  runbook?: Runbook;
  /** Sorted by position. */
  diagnostics: Diagnostic[];
}

/** Never throws. */
export function validateRunbook(source: RunbookSource, options: ValidateOptions): ValidationResult {
  if (source.value === undefined) return { diagnostics: [...source.diagnostics] };
  const diagnostics: Diagnostic[] = [...source.diagnostics];
  const toDiagnostic = (f: Finding): Diagnostic => {
    const { line, col } = locate(source, f.path, { key: f.at === 'key', offset: f.offset });
    return { file: source.file, line, col, path: f.path, code: f.code, message: capMessage(f.message), severity: f.severity ?? 'error' };
  };
  const ctx: CheckContext = {
    report: (f) => diagnostics.push(toDiagnostic(f)),
    lineOf: (path) => locate(source, path).line,
  };

  const value = source.value;
  if (!isRecord(value)) {
    ctx.report({ path: [], code: 'yaml.not_a_map', message: 'a runbook is a YAML mapping (apiVersion, name, version, steps, ...)' });
    return { diagnostics: sortDiagnostics(diagnostics) };
  }

  const parsed = RunbookSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (underWrongPrecheck(value, issue.path)) continue;
      issueFindings(issue, { schema: RunbookSchema, data: value, basePath: [] }).forEach(ctx.report);
    }
  }

  checkParams(value.params, ctx);
  const steps = collectSteps(value);
  const graph = checkStepGraph(steps, ctx);
  const calls = everyAdapterCall(value, steps);
  checkReferences(steps, calls, graph, { params: isRecord(value.params) ? Object.keys(value.params) : [], modes: declaredModes(value.modes) }, ctx);
  checkAdapterInputs(calls, options.registry, ctx);
  checkMarks(steps, value.objectives, ctx);
  checkLocalSteps(steps, ctx);
  checkShellScripts(calls, value.params, ctx);
  const scope = options.secretScope ?? configuredSecretScope();
  if (scope) checkSecretScope(value, calls, scope, ctx);

  return { runbook: parsed.success ? parsed.data : undefined, diagnostics: sortDiagnostics(dedupe(diagnostics)) };
}

/**
 * A pre-check written as another kind gets one error, on its kind: listing the check fields it lacks
 * and the fields of its own kind as unknown would bury the one fix that matters.
 */
function underWrongPrecheck(value: Record<string, unknown>, path: readonly PropertyKey[]): boolean {
  if (path[0] !== 'prechecks' || typeof path[1] !== 'number' || (path.length === 3 && path[2] === 'kind')) return false;
  const precheck = Array.isArray(value.prechecks) ? value.prechecks[path[1]] : undefined;
  return isRecord(precheck) && precheck.kind !== undefined && precheck.kind !== 'check';
}

/** Modes as declared, the default when absent, undefined when malformed (the schema reports it). */
function declaredModes(modes: unknown): string[] | undefined {
  if (modes === undefined) return ['drill'];
  if (Array.isArray(modes) && modes.every((m) => typeof m === 'string')) return modes;
  return undefined;
}

function checkParams(params: unknown, ctx: CheckContext): void {
  if (!isRecord(params)) return;
  for (const [name, p] of Object.entries(params)) {
    if (isRecord(p) && p.required === true && p.default !== undefined) {
      ctx.report({
        path: ['params', name, 'required'],
        code: 'param.required_with_default',
        message: `param "${name}" is required and has a default; the default makes it optional`,
        severity: 'warning',
      });
    }
  }
}

/** The same problem found twice at one place (e.g. one template read twice) is said once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
