/**
 * The operators' API as `drillbook serve` runs it, from the CLI's configuration (database, Temporal,
 * task queue, and whatever else serving needs). The demo starts its in-process API through this same
 * function, so it serves exactly as `serve` would.
 */
import { apiLimitsFromEnv, type ApiLimits } from '../api/api-limits';
import { startApiServer, type RunningApi } from '../api/server';
import type { CliContext } from './context';
import { CliError, EXIT } from './exit-codes';

export async function startConfiguredApi(ctx: CliContext, listen: { host: string; port: number }): Promise<RunningApi> {
  // Checked first: a bad limit stops the start with the variable's name, before anything is opened.
  const limits = apiLimitsOrExit();
  return startApiServer({
    signer: await ctx.signer(),
    limits,
    // Warnings and errors (a refusal the trail could not record, a 5xx's detail under its request id).
    logger: { level: 'warn' },
    db: await ctx.db(),
    temporal: await ctx.temporal(),
    taskQueue: ctx.config.DRILLBOOK_TASK_QUEUE,
    host: listen.host,
    port: listen.port,
  });
}

function apiLimitsOrExit(): ApiLimits {
  try {
    return apiLimitsFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.unavailable);
  }
}
