/**
 * The one way an activity calls an adapter: render the templates, check the rendered input against
 * the adapter's schema, execute — and redact. Every secret the call resolves is remembered by a
 * Redactor of this call, and what leaves the call (its output, or the error it throws, from the
 * adapter or from a library inside it) has every such value replaced before it reaches the audit
 * trail, the workflow history, the API, a log line or a terminal.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURES } from '../src/plan/failures';
import type { Scope } from '../src/plan/expression';
import { renderTemplates } from '../src/plan/template';
import type { AdapterCall, Json } from '../src/plan/types';
import { findAdapter } from './adapters';
import type { Adapter, AdapterContext } from './adapters/types';
import { Redactor } from './redaction';
import { resolveSecret } from './secrets';

/** What an activity gives an adapter call; `resolveSecret` is supplied here, bound to the call's redactor. */
export type AdapterEnvironment = Omit<AdapterContext, 'resolveSecret'> & {
  /** The resolver (tests may pass their own); default: the worker's, scoped (activities/secrets.ts). */
  resolveSecret?: (ref: string) => Promise<string>;
};

/**
 * The environment of the adapter calls of the activity running now: its cancellation signal, its
 * heartbeat (none in a local activity, which has no heartbeats: the SDK would only log a warning per
 * beat) and this worker's named connections.
 */
export function activityEnvironment(connections: Record<string, string> = {}): AdapterEnvironment {
  const ctx = Context.current();
  return {
    signal: ctx.cancellationSignal,
    heartbeat: ctx.info.isLocal ? () => undefined : (details) => ctx.heartbeat(details),
    connections,
  };
}

/** Renders `call.input` against `scope`, validates it and runs the adapter, redacted (see the header). */
export async function callAdapter(call: AdapterCall, scope: Scope, env: AdapterEnvironment): Promise<Json> {
  const adapter = findAdapter(call.adapter);
  if (!adapter) throw ApplicationFailure.nonRetryable(`unknown adapter "${call.adapter}" on this worker`, FAILURES.AdapterUnknown);
  const rendered = renderTemplates(call.input, scope);
  const parsed = adapter.input.safeParse(rendered);
  if (!parsed.success) {
    // The runbook was validated, so only a rendered template can be wrong here: retrying won't fix it.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`adapter ${call.adapter}: ${issues}`, FAILURES.AdapterInputInvalid);
  }
  return runAdapter(adapter, parsed.data, env);
}

/** Runs an adapter on an already validated input, redacting its output and its errors. */
export async function runAdapter<A extends Adapter>(adapter: A, input: unknown, env: AdapterEnvironment): Promise<Json> {
  const redactor = new Redactor();
  // The site's named connections are the worker's own credentials: a URL's password is redacted too.
  for (const [name, url] of Object.entries(env.connections)) if (!/^(env|file):/.test(url)) redactor.add(`connection:${name}`, url);
  const resolve = env.resolveSecret ?? ((ref: string) => resolveSecret(ref));
  const ctx: AdapterContext = {
    ...env,
    async resolveSecret(ref: string) {
      const value = await resolve(ref);
      redactor.add(ref, value);
      return value;
    },
  };
  try {
    return redactor.json(await adapter.execute(input as never, ctx));
  } catch (err) {
    throw redactor.error(err);
  }
}
