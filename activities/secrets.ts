/**
 * Secret references: runbooks, plans and histories only ever hold a reference (`env:NAME`,
 * `file:/absolute/path`); the value is read here, by the worker, at the moment an adapter needs it.
 * Nothing in this module puts a secret value into an error message, a log or a return value other
 * than `resolveSecret`'s own.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURES } from '../src/plan/failures';

/** `env:NAME` (a POSIX variable name) or `file:/absolute/path`. */
export const SECRET_REF_PATTERN = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;

export type SecretRef = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** Parses a reference; `undefined` when `ref` is not one. Never throws. */
export function parseSecretRef(ref: string): SecretRef | undefined {
  if (!SECRET_REF_PATTERN.test(ref)) return undefined;
  if (ref.startsWith('env:')) return { kind: 'env', name: ref.slice('env:'.length) };
  const path = ref.slice('file:'.length);
  return isAbsolute(path) ? { kind: 'file', path } : undefined;
}

export function isSecretRef(ref: string): boolean {
  return parseSecretRef(ref) !== undefined;
}

/**
 * Resolves a secret reference to its value (a file's content is trimmed of surrounding whitespace,
 * so a trailing newline is not part of a password).
 *
 * @throws ApplicationFailure `SecretUnavailable`, non-retryable: an unset variable or a missing file is
 *   the worker's configuration, which a retry of the same step on the same worker cannot change; the
 *   operator fixes it and decides to retry. The message names the reference, never the value.
 */
export async function resolveSecret(ref: string): Promise<string> {
  const parsed = parseSecretRef(ref);
  if (!parsed) {
    throw secretUnavailable(
      `not a secret reference: expected "env:NAME" or "file:/absolute/path" (got a value of ${ref.length} characters)`,
    );
  }
  if (parsed.kind === 'env') {
    const value = process.env[parsed.name];
    if (value === undefined || value === '') {
      throw secretUnavailable(`secret ${ref}: environment variable ${parsed.name} is not set on this worker`);
    }
    return value;
  }
  let content: string;
  try {
    content = await readFile(parsed.path, 'utf8');
  } catch (err) {
    // Only the error code: the message could quote more than the path, which the reference already names.
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw secretUnavailable(`secret ${ref}: cannot read the file (${code})`);
  }
  const value = content.trim();
  if (value === '') throw secretUnavailable(`secret ${ref}: the file is empty`);
  return value;
}

function secretUnavailable(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURES.SecretUnavailable, message, nonRetryable: true });
}

export const REDACTED = '[REDACTED]';

/**
 * Replaces every occurrence of each secret value in `text` (e.g. a process's output that echoed an
 * environment variable, a server that echoes request headers). Longest first, so a secret that
 * contains another is replaced whole. Never throws.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join(REDACTED);
  return out;
}
