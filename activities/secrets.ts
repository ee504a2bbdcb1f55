/**
 * Secret references: runbooks, plans and histories only ever hold a reference (`env:NAME`,
 * `file:/absolute/path`); the value is read here, by the worker, at the moment an adapter needs it,
 * and only when the reference is inside this worker's scope (src/config/secret-scope.ts). Nothing in
 * this module puts a secret value into an error message, a log or a return value other than
 * `resolveSecret`'s own; what an adapter call does with a value is redacted by activities/redaction.ts.
 */
import { readFile, realpath } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURES } from '../src/plan/failures';
import { pathInside, secretRefOutOfScope, secretScopeFromEnv, type SecretScope } from '../src/config/secret-scope';
import { parseSecretRef } from '../src/config/secret-ref';
import { heldSecret } from './secret-store';

let configuredScope: SecretScope | undefined;

/** Fixes this worker's scope (read once at start); unset, the scope is read from the environment at each call. */
export function setSecretScope(scope: SecretScope | undefined): void {
  configuredScope = scope;
}

export function currentSecretScope(): SecretScope {
  return configuredScope ?? secretScopeFromEnv(process.env);
}

/**
 * Resolves a secret reference to its value (a file's content is trimmed of surrounding whitespace,
 * so a trailing newline is not part of a password). An `env:` value comes from what the worker held
 * in memory at start (activities/secret-store.ts), else from its environment.
 *
 * @throws ApplicationFailure `SecretUnavailable`, non-retryable: an unset variable, a missing file or
 *   a reference outside the scope is the worker's configuration, which a retry of the same step on
 *   the same worker cannot change; the operator fixes it and decides to retry. The message names the
 *   reference, never the value.
 */
export async function resolveSecret(ref: string, scope: SecretScope = currentSecretScope()): Promise<string> {
  const parsed = parseSecretRef(ref);
  if (!parsed) {
    throw secretUnavailable(
      `not a secret reference: expected "env:NAME" or "file:/absolute/path" (got a value of ${ref.length} characters)`,
    );
  }
  const outside = secretRefOutOfScope(ref, scope);
  if (outside) throw secretUnavailable(outside);
  if (parsed.kind === 'env') {
    const value = heldSecret(parsed.name) ?? process.env[parsed.name];
    if (value === undefined || value === '') {
      throw secretUnavailable(`secret ${ref}: environment variable ${parsed.name} is not set on this worker`);
    }
    return value;
  }
  let content: string;
  try {
    // The real path, against the real folders: neither `..` nor a symlink leads out of the scope.
    const real = await realpath(parsed.path);
    const realDirs = await Promise.all(scope.dirs.map((d) => realpath(d).catch(() => d)));
    if (!pathInside(real, realDirs)) {
      throw secretUnavailable(`secret ${ref} is outside this worker's scope: it resolves to a file outside ${scope.dirs.join(', ')}`);
    }
    content = await readFile(real, 'utf8');
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
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
