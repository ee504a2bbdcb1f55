import { Command } from 'commander';
import { EXIT } from '../exit-codes';
import { startConfiguredApi } from '../configured-api';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../options';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';

export function serveCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('serve')
    .description("serve the operators' HTTP API (the one entry point for confirm, approve, decide, abort, watch) until SIGINT/SIGTERM")
    .option('--host <host>', 'address to listen on (default 127.0.0.1: put TLS in front before exposing it)', '127.0.0.1')
    .option('--port <port>', 'port (default: DRILLBOOK_API_PORT or 8080)', parsePositiveInt)
    .action((opts: { host: string; port?: number }) =>
      run(async () => {
        const api = await startConfiguredApi(ctx, { host: opts.host, port: opts.port ?? Number(process.env.DRILLBOOK_API_PORT ?? 8080) });
        // The address alone at the end of its line: scripts read it from there.
        process.stdout.write(`drillbook API listening on ${api.url}\nthe console: ${api.url}/console/\n`);
        await untilSignal(new Promise<void>((resolve) => api.app.server.once('close', resolve)));
        await api.close();
        return EXIT.ok;
      }),
    );
}
