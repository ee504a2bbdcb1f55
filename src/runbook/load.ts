/**
 * The one entry point from YAML to plan: parse, validate, compile, hash.
 */
import { readFileSync } from 'node:fs';
import type { Plan } from '../plan/types';
import { compileRunbook, planHash } from './compile';
import { hasErrors, type Diagnostic } from './diagnostics';
import { parseRunbookYaml } from './parse';
import { validateRunbook, type ValidateOptions } from './validate';

export interface LoadResult {
  /** Present only when there are no error diagnostics (warnings allowed). */
  plan?: Plan;
  planHash?: string;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

/** Never throws; `file` names the source in diagnostics and in `plan.source`. */
export function loadRunbookText(text: string, file: string, options: ValidateOptions = {}): LoadResult {
  const source = parseRunbookYaml(text, file);
  const { runbook, diagnostics } = validateRunbook(source, options);
  if (!runbook || hasErrors(diagnostics)) return { diagnostics };
  const plan = compileRunbook(runbook, source);
  return { plan, planHash: planHash(plan), diagnostics };
}

/** Reads (synchronously: a runbook is small, and CLI commands read one) and loads a runbook file; an unreadable file is a diagnostic too. Never throws. */
export function loadRunbookFile(file: string, options: ValidateOptions = {}): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'file.unreadable', message: `cannot read runbook: ${reason}`, severity: 'error' }] };
  }
  return loadRunbookText(text, file, options);
}
