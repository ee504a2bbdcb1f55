/**
 * Names in the draft from names in the source: step ids (kebab-case, unique), param names
 * (identifiers), the runbook's name, and the environment variable a secret placeholder points at.
 */
import { PARAM_NAME_PATTERN, STEP_ID_PATTERN } from '../runbook/schema';

const MAX_ID_LENGTH = 48;

/** `Stop the "payments" DB!` → `stop-the-payments-db`; never empty, starts with a letter. */
export function kebab(text: string, fallback: string): string {
  let s = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length > MAX_ID_LENGTH) s = s.slice(0, MAX_ID_LENGTH).replace(/-[^-]*$/, '') || s.slice(0, MAX_ID_LENGTH);
  if (!s) s = fallback;
  if (!/^[a-z]/.test(s)) s = `${fallback}-${s}`;
  return s.replace(/-+$/, '');
}

/** Hands out step ids, each once: a second "restart" becomes "restart-2". */
export class IdAllocator {
  private readonly used = new Set<string>();

  take(text: string, fallback = 'step'): string {
    const base = kebab(text, fallback);
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    if (!STEP_ID_PATTERN.test(id)) throw new Error(`internal: generated step id "${id}" is not kebab-case`);
    this.used.add(id);
    return id;
  }
}

/** `base-url` → `base_url`, `2fa` → `_2fa`: a param name `params.<name>` can read. */
export function paramName(text: string): string {
  let s = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+(?=[A-Za-z])/, '');
  if (!s) s = 'param';
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (!PARAM_NAME_PATTERN.test(s)) throw new Error(`internal: generated param name "${s}" is not an identifier`);
  return s;
}

/** The runbook's name: lowercase letters, digits, `.`, `_`, `-`. */
export function runbookName(text: string): string {
  return kebab(text, 'imported');
}

/**
 * Workers resolve `env:` secret references only under this prefix unless their operator widens the
 * scope (docs/operators.md), so every reference a draft writes lies inside it.
 */
export const SECRET_ENV_PREFIX = 'DRILLBOOK_SECRET_';

/** An environment variable a source read its secret from, as a name inside the secret scope. */
export function inSecretScope(env: string): string {
  return env.startsWith(SECRET_ENV_PREFIX) ? env : `${SECRET_ENV_PREFIX}${env}`;
}

/** `payments`, `db password` → `DRILLBOOK_SECRET_PAYMENTS_DB_PASSWORD`: where an operator puts the value. */
export function secretEnvName(...parts: string[]): string {
  const tail = parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${SECRET_ENV_PREFIX}${tail || 'VALUE'}`;
}
