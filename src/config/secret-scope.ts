/**
 * Which secret references runbooks may use on this worker: `env:` names (exact, or a prefix ending in
 * `*`) and `file:` folders. Anything else is refused at validate time (where this configuration is
 * known) and always at run time, by the worker that would read it. The default — `DRILLBOOK_SECRET_*`
 * and the `secrets/` folder of the data folder — keeps `env:DATABASE_URL`, `env:HOME` and
 * `file:/etc/shadow` out of any runbook's reach.
 */
import path from 'node:path';
import { dataDir } from './paths';

export interface SecretScope {
  /** Allowed `env:` names: exact names, or prefixes written `PREFIX*`. */
  envNames: string[];
  /** Allowed folders for `file:` references: absolute, normalised. A file anywhere below one is allowed. */
  dirs: string[];
}

export const SECRET_ENV_ALLOW_VAR = 'DRILLBOOK_SECRETS_ENV_ALLOW';
export const SECRET_DIRS_VAR = 'DRILLBOOK_SECRETS_DIRS';
export const DEFAULT_SECRET_ENV_NAMES = ['DRILLBOOK_SECRET_*'];
export function defaultSecretDirs(): string[] {
  return [path.join(dataDir, 'secrets')];
}

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/**
 * The scope from the environment (`DRILLBOOK_SECRETS_ENV_ALLOW`, `DRILLBOOK_SECRETS_DIRS`, both
 * comma-separated). Throws an Error naming the variable for a bad value.
 */
export function secretScopeFromEnv(env: NodeJS.ProcessEnv = process.env): SecretScope {
  return { envNames: parseEnvNames(env[SECRET_ENV_ALLOW_VAR]), dirs: parseDirs(env[SECRET_DIRS_VAR]) };
}

export function parseEnvNames(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_SECRET_ENV_NAMES];
  const names = splitList(text);
  const bad = names.filter((n) => !ENV_NAME_PATTERN.test(n));
  if (bad.length > 0) {
    throw new Error(`${SECRET_ENV_ALLOW_VAR}: not an environment variable name or NAME_PREFIX*: ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}`);
  }
  return names;
}

export function parseDirs(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return defaultSecretDirs();
  const dirs = splitList(text);
  const relative = dirs.filter((d) => !path.isAbsolute(d));
  if (relative.length > 0) {
    throw new Error(`${SECRET_DIRS_VAR}: folders must be absolute paths: ${relative.map((d) => JSON.stringify(d.slice(0, 80))).join(', ')}`);
  }
  return dirs.map((d) => path.resolve(d));
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

export function envNameAllowed(name: string, scope: SecretScope): boolean {
  return scope.envNames.some((allowed) => (allowed.endsWith('*') ? name.startsWith(allowed.slice(0, -1)) : name === allowed));
}

/** True when `file` (absolute, already normalised or real) lies strictly inside one of `dirs`. */
export function pathInside(file: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => {
    const rel = path.relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}

/**
 * Why a reference is outside the scope, or `undefined` when it is inside. Lexical (`..` resolved, no
 * symlinks followed): what validation can say without reading the worker's disk; the worker checks
 * again on the real path before it reads (activities/secrets.ts).
 */
export function secretRefOutOfScope(ref: string, scope: SecretScope): string | undefined {
  if (ref.startsWith('env:')) {
    const name = ref.slice('env:'.length);
    if (envNameAllowed(name, scope)) return undefined;
    return `secret ${ref} is outside this worker's scope: env: names allowed are ${scope.envNames.join(', ')} (${SECRET_ENV_ALLOW_VAR})`;
  }
  if (ref.startsWith('file:')) {
    const file = path.resolve(ref.slice('file:'.length));
    if (pathInside(file, scope.dirs)) return undefined;
    return `secret ${ref} is outside this worker's scope: file: references must be inside ${scope.dirs.join(', ')} (${SECRET_DIRS_VAR})`;
  }
  return undefined;
}

/**
 * This process's scope for validation (`validate`, `plan`, `run`, the API's start). A malformed
 * configuration falls back to the default here: the command's own start check reports it by name.
 */
export function configuredSecretScope(env: NodeJS.ProcessEnv = process.env): SecretScope {
  try {
    return secretScopeFromEnv(env);
  } catch {
    return { envNames: [...DEFAULT_SECRET_ENV_NAMES], dirs: defaultSecretDirs() };
  }
}

/** `resolveParams`' check of a secret param's value against this process's scope. */
export function configuredSecretRefCheck(env: NodeJS.ProcessEnv = process.env): (ref: string) => string | undefined {
  const scope = configuredSecretScope(env);
  return (ref) => secretRefOutOfScope(ref, scope);
}
