/**
 * Secret references a runbook writes literally — secret params' defaults, `headersFromSecrets`,
 * `envFromSecrets`, a postgres `url` — checked against the worker's scope at validate time, where
 * the configuration is known (`validate`, `plan`, `run`, the API's start). A reference made by a
 * template is known at run time only: the worker checks every reference again before reading it.
 */
import type { SecretScope } from '../config/secret-scope';
import { secretRefOutOfScope } from '../config/secret-scope';
import { isTemplated } from '../plan/template';
import type { LooseAdapterCall } from './every-adapter-call';
import { isRecord, type CheckContext, type Path } from './findings';

/** Input fields whose values are secret references, per adapter. */
const REFERENCE_MAPS = ['headersFromSecrets', 'envFromSecrets'];

export function checkSecretScope(runbook: Record<string, unknown>, calls: LooseAdapterCall[], scope: SecretScope, ctx: CheckContext): void {
  const check = (ref: unknown, path: Path) => {
    if (typeof ref !== 'string' || isTemplated(ref) || !/^(env|file):/.test(ref)) return;
    const problem = secretRefOutOfScope(ref, scope);
    if (problem) ctx.report({ path, code: 'secret.out_of_scope', message: problem });
  };
  if (isRecord(runbook.params)) {
    for (const [name, p] of Object.entries(runbook.params)) {
      if (isRecord(p) && p.type === 'secret') check(p.default, ['params', name, 'default']);
    }
  }
  for (const call of calls) {
    if (!isRecord(call.input)) continue;
    for (const field of REFERENCE_MAPS) {
      const map = call.input[field];
      if (isRecord(map)) for (const [key, ref] of Object.entries(map)) check(ref, [...call.path, 'input', field, key]);
    }
    if (call.adapter === 'postgres') check(call.input.url, [...call.path, 'input', 'url']);
  }
}
