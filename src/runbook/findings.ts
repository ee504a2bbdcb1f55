/**
 * A finding is a diagnostic before it has a file position: the checks work on plain data and paths,
 * and validate.ts turns paths into line:col through the YAML document.
 */
import type { DiagnosticCode, Severity } from './diagnostics';

export type Path = (string | number)[];

export interface Finding {
  path: Path;
  code: DiagnosticCode;
  message: string;
  /** Default: error. */
  severity?: Severity;
  /** Point at the key of the last path segment (unknown keys) rather than its value. */
  at?: 'key';
  /** Offset inside the string at `path` (expressions inside a value). */
  offset?: number;
}

/** What the checks get besides the data: a sink, and a way to name a place for "first defined at". */
export interface CheckContext {
  report(finding: Finding): void;
  lineOf(path: Path): number;
}

/** The value at `path` inside plain data, reading own properties only; undefined when absent. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
