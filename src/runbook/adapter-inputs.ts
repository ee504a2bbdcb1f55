/**
 * Checks each adapter call against the adapter registry at validate time, not when the step is reached
 * in the middle of a failover: the adapter exists and its input passes the adapter's schema.
 *
 * The registry is a parameter, handed over by the entry points (the CLI, the API's runbook parser:
 * activities/adapters/index.ts `adapterRegistry`): the validator does not import the runtime adapters.
 *
 * A value holding a template (`${{ ... }}`) is known only at run time, so issues at or below a
 * templated string are dropped (the activity checks the rendered input again before the call).
 */
import type { z } from 'zod';
import { isTemplated } from '../plan/template';
import { didYouMean } from './diagnostics';
import type { CheckContext } from './findings';
import type { LooseAdapterCall } from './every-adapter-call';
import { issueFindings } from './zod-issues';

/** What validation needs of the adapter registry; the entry points hand the real one, tests may hand a fake. */
export interface AdapterRegistry {
  find(name: string): { input: z.ZodType } | undefined;
  names(): string[];
}

/** Checks each call of everyAdapterCall: the adapter exists, and its input passes the adapter's schema. */
export function checkAdapterInputs(calls: LooseAdapterCall[], registry: AdapterRegistry, ctx: CheckContext): void {
  for (const call of calls) {
    if (typeof call.adapter !== 'string') continue; // the schema reports a missing or non-text adapter
    const adapter = registry.find(call.adapter);
    if (!adapter) {
      const names = registry.names();
      const hint = didYouMean(call.adapter, names) || (names.length ? ` (registered: ${names.join(', ')})` : ' (no adapters are registered)');
      ctx.report({ path: [...call.path, 'adapter'], code: 'adapter.unknown', message: `unknown adapter "${call.adapter}"${hint}` });
      continue;
    }
    if (call.input === null || typeof call.input !== 'object' || Array.isArray(call.input)) continue; // schema reports it
    const result = adapter.input.safeParse(call.input);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      // An adapter may flag an issue that holds whatever the template renders to (e.g. SQL text).
      const forbidsTemplates = issue.code === 'custom' && (issue as { params?: { templatesForbidden?: boolean } }).params?.templatesForbidden;
      if (!forbidsTemplates && leadsToTemplate(call.input, issue.path)) continue;
      const findings = issueFindings(issue, {
        schema: adapter.input,
        data: call.input,
        basePath: [...call.path, 'input'],
        code: 'adapter.input',
        prefix: `invalid input for adapter "${call.adapter}": `,
      });
      findings.forEach(ctx.report);
    }
  }
}

/** True when a templated string lies on `path` (the value there is decided at run time). */
function leadsToTemplate(input: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = input;
  for (const seg of path) {
    if (isTemplated(cur)) return true;
    if (cur === null || typeof cur !== 'object' || typeof seg === 'symbol') return false;
    cur = (cur as Record<string | number, unknown>)[seg as string | number];
  }
  return isTemplated(cur);
}
