/**
 * What a secret reference looks like: `env:NAME` or `file:/absolute/path`. Runbooks, plans, histories
 * and configuration only ever hold one; the worker resolves it (activities/secrets.ts), the front door
 * and the CLI read their keys through it.
 */
import { isAbsolute } from 'node:path';

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
