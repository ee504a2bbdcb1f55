/**
 * `drillbook runbook register|list|revoke`: the runbook registry — which runbook versions (plan
 * hashes) may run for real (failover, failback) — through the drillbook API, so every change is
 * authenticated (admin), audited and refused with a record when it must be.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import type { z } from 'zod';
import type { RunbooksAnswer } from '../../api/answer-schemas';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { loadRunbookFile } from '../../runbook/load';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { CliError, EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

/** A registration as the API answers it (its schema is the API's, src/api/answer-schemas.ts). */
type RegistrationAnswer = z.infer<typeof RunbooksAnswer>['runbooks'][number];

export function runbookCommand(run: Runner): Command {
  const runbook = new Command('runbook').description('the runbook versions registered for real runs (failover, failback), through the drillbook API');

  runbook.addCommand(
    withApiOptions(
      new Command('register')
        .description('register a runbook version (its plan hash) for real runs (admin; audited)')
        .argument('<file>', 'runbook YAML file')
        .requiredOption('-r, --reason <text>', 'why this version may run for real (e.g. the review that approved it)')
        .option('--json', 'print the registration as JSON'),
    ).action((file: string, opts: ApiClientOptions & { reason: string; json?: boolean }) =>
      run(async () => {
        // Checked here first, to print its errors at file:line:col; the server compiles it again.
        const { plan, diagnostics } = loadRunbookFile(file, { registry: adapterRegistry });
        for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        if (!plan) throw new CliError(`${file}: the runbook has errors; nothing was registered`, EXIT.invalid);
        const text = readFileSync(file, 'utf8');
        const answer = await new ApiClient(opts).post<{ planHash: string; runbook: RegistrationAnswer }>('/api/runbooks', {
          runbook: text,
          file: path.relative(process.cwd(), file),
          reason: opts.reason,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(answer.runbook, null, 2)}\n`);
        else process.stdout.write(`registered ${answer.planHash} (${describe(answer.runbook)}) for real runs\n`);
        return EXIT.ok;
      }),
    ),
  );

  runbook.addCommand(
    withApiOptions(
      new Command('list')
        .description('the registered runbook versions, and the revoked ones')
        .option('--json', 'print them as JSON'),
    ).action((opts: ApiClientOptions & { json?: boolean }) =>
      run(async () => {
        const { runbooks } = await new ApiClient(opts).get<{ runbooks: RegistrationAnswer[] }>('/api/runbooks');
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(runbooks, null, 2)}\n`);
          return EXIT.ok;
        }
        if (!runbooks.length) process.stdout.write('no runbook is registered for real runs\n');
        for (const r of runbooks) {
          const last = r.status === 'revoked' ? r.revoked : r.registered;
          process.stdout.write(`${r.planHash.slice(0, 16)}  ${r.status.padEnd(10)}  ${describe(r)}  ${r.status} by ${last?.by} ${last?.at}: ${last?.reason}\n`);
        }
        return EXIT.ok;
      }),
    ),
  );

  runbook.addCommand(
    withApiOptions(
      new Command('revoke')
        .description('revoke a registered runbook version: no new real run starts from it (admin; audited)')
        .argument('<plan-hash>', 'the plan hash, or a unique prefix of at least 8 hex digits')
        .requiredOption('-r, --reason <text>', 'why it may no longer run for real')
        .option('--json', 'print the registration, now revoked, as JSON'),
    ).action((hash: string, opts: ApiClientOptions & { reason: string; json?: boolean }) =>
      run(async () => {
        const answer = await new ApiClient(opts).post<{ planHash: string; runbook: RegistrationAnswer }>(`/api/runbooks/${encodeURIComponent(hash)}/revoke`, { reason: opts.reason });
        printResult(opts, answer.runbook, `revoked ${answer.planHash} (${describe(answer.runbook)})`);
        return EXIT.ok;
      }),
    ),
  );

  return runbook;
}

function describe(r: RegistrationAnswer): string {
  return `${r.runbook} ${r.version}, services ${r.services.join(', ')}`;
}
