/**
 * The bounds on runbook input, so that no runbook — from a file or from the API — can make the
 * parser or the validator spend unbounded time or memory, or echo a huge value back: a file's size,
 * YAML aliases, the document's nodes and nesting, a text's length, an expression's length and depth.
 * Past a bound, `validate` answers with a located diagnostic (exit 1, HTTP 400), never a crash.
 * `runbookLimits()` is what the API sizes its bodies and its parser by.
 */
import { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from '../plan/expression-parser';

export interface RunbookLimits {
  /** Largest runbook, in bytes of UTF-8 (DRILLBOOK_RUNBOOK_MAX_BYTES). */
  maxBytes: number;
  /** Most YAML aliases (`*name`) a runbook may use, and the most nodes each may expand to. */
  maxAliases: number;
  /** Most nodes (maps, lists, scalars) in the document. */
  maxNodes: number;
  /** Deepest nesting of maps and lists. */
  maxDepth: number;
  /** Longest text value or key, in characters. */
  maxStringLength: number;
  /** Longest expression (`when`, `expect`, one template), in characters. */
  maxExpressionLength: number;
  /** Deepest nesting of an expression. */
  maxExpressionDepth: number;
  /** Longest excerpt of an offending value a diagnostic quotes. */
  maxExcerpt: number;
}

export const RUNBOOK_MAX_BYTES_VAR = 'DRILLBOOK_RUNBOOK_MAX_BYTES';
/** 256 KiB: the largest reference runbook is under 20 kB; ten times that is still a runbook, and parsing it stays around a second. */
export const DEFAULT_RUNBOOK_MAX_BYTES = 256 * 1024;
/** Ceiling of DRILLBOOK_RUNBOOK_MAX_BYTES: past it, parsing itself costs hundreds of MB. */
export const RUNBOOK_MAX_BYTES_CEILING = 16 * 1024 * 1024;

const FIXED = {
  maxAliases: 100,
  maxNodes: 200_000,
  maxDepth: 64,
  maxStringLength: 64 * 1024,
  maxExpressionLength: MAX_EXPRESSION_LENGTH,
  maxExpressionDepth: MAX_EXPRESSION_DEPTH,
  maxExcerpt: 60,
};

/** Parses DRILLBOOK_RUNBOOK_MAX_BYTES; throws an Error naming the variable. */
export function parseRunbookMaxBytes(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return DEFAULT_RUNBOOK_MAX_BYTES;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1024 || n > RUNBOOK_MAX_BYTES_CEILING) {
    throw new Error(`${RUNBOOK_MAX_BYTES_VAR}: expected a whole number of bytes from 1024 to ${RUNBOOK_MAX_BYTES_CEILING}`);
  }
  return n;
}

/** The limits of this process (a malformed variable falls back to the default: the start check names it). */
export function runbookLimits(env: NodeJS.ProcessEnv = process.env): RunbookLimits {
  let maxBytes = DEFAULT_RUNBOOK_MAX_BYTES;
  try {
    maxBytes = parseRunbookMaxBytes(env[RUNBOOK_MAX_BYTES_VAR]);
  } catch {
    // reported by loadConfig at start
  }
  return { maxBytes, ...FIXED };
}

/** A short, single-line excerpt of `text` for a diagnostic: never the whole of a huge or multi-line value. */
export function excerpt(text: string, max = FIXED.maxExcerpt): string {
  const oneLine = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const flat = JSON.stringify(oneLine).slice(1, -1);
  return flat.length > max || text.length > oneLine.length ? `${flat.slice(0, max)}…` : flat;
}
