/**
 * The operators' API as `drillbook serve` runs it, from the CLI's configuration (database, Temporal,
 * task queue, and whatever else serving needs). The demo starts its in-process API through this same
 * function, so it serves exactly as `serve` would.
 */
import { startApiServer, type RunningApi } from '../api/server';
import type { CliContext } from './context';

export async function startConfiguredApi(ctx: CliContext, listen: { host: string; port: number }): Promise<RunningApi> {
  return startApiServer({
    signer: await ctx.signer(),
    db: await ctx.db(),
    temporal: await ctx.temporal(),
    taskQueue: ctx.config.DRILLBOOK_TASK_QUEUE,
    host: listen.host,
    port: listen.port,
  });
}
