/**
 * The one entry point from YAML to plan: parse, validate, compile, hash.
 */
import { readFileSync, statSync } from 'node:fs';
import { runbookLimits } from './limits';
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

/** Never throws; `file` names the source in diagnostics and in `plan.source`; `options.registry`: the adapters calls are checked against. */
export function loadRunbookText(text: string, file: string, options: ValidateOptions): LoadResult {
  const source = parseRunbookYaml(text, file);
  try {
    const { runbook, diagnostics } = validateRunbook(source, options);
    if (!runbook || hasErrors(diagnostics)) return { diagnostics };
    const plan = compileRunbook(runbook, source);
    return { plan, planHash: planHash(plan), diagnostics };
  } catch (err) {
    // The limits make this unreachable for any input we know of; if a check still breaks on one, the
    // caller gets a located answer (exit 1 / 400) naming the failure, not a crash.
    const what = err instanceof RangeError ? 'the runbook is nested too deeply to check' : `the runbook cannot be checked (${(err as Error).name})`;
    return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'limit.size', message: what, severity: 'error' }] };
  }
}

/** Reads (synchronously: a runbook is small, and CLI commands read one) and loads a runbook file; an unreadable file is a diagnostic too. Never throws. */
export function loadRunbookFile(file: string, options: ValidateOptions): LoadResult {
  let text: string;
  try {
    // Checked before reading: a 50 MB file is refused without being loaded.
    const { size } = statSync(file);
    const { maxBytes } = runbookLimits();
    if (size > maxBytes) {
      return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'limit.file_size', message: `a runbook of ${size} bytes is larger than the limit of ${maxBytes} (DRILLBOOK_RUNBOOK_MAX_BYTES)`, severity: 'error' }] };
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'file.unreadable', message: `cannot read runbook: ${reason}`, severity: 'error' }] };
  }
  return loadRunbookText(text, file, options);
}
