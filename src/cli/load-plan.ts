/** Loads a runbook for a command: prints its diagnostics, and refuses it when it has errors. */
import { adapterRegistry } from '../../activities/adapters/index';
import { formatDiagnostic } from '../runbook/diagnostics';
import { loadRunbookFile } from '../runbook/load';
import { resolveParams } from '../plan/params';
import { configuredSecretRefCheck } from '../config/secret-scope';
import type { Mode, Plan } from '../plan/types';
import { CliError, EXIT } from './exit-codes';

export interface LoadedPlan {
  plan: Plan;
  planHash: string;
  params: Record<string, string | number | boolean>;
}

export function loadPlanForRun(file: string, mode: Mode, rawParams: Record<string, string>): LoadedPlan {
  const { plan, planHash, diagnostics } = loadRunbookFile(file, { registry: adapterRegistry });
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!plan || !planHash) throw new CliError(`${file}: the runbook has errors; nothing was started`, EXIT.invalid);
  if (!plan.modes.includes(mode)) {
    throw new CliError(`${file}: mode "${mode}" is not one of the runbook's modes (${plan.modes.join(', ')})`, EXIT.usage);
  }
  const { values, errors } = resolveParams(plan, rawParams, { checkSecretRef: configuredSecretRefCheck() });
  if (errors.length) throw new CliError(errors.map((e) => `--param: ${e}`).join('\n'), EXIT.usage);
  return { plan, planHash, params: values };
}
