import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { ensureAuditorRole } from '../../audit/auditor-role';
import { parseCheckpoint, takeCheckpoint, verifyCheckpoint, type CheckpointVerifyResult } from '../../audit/checkpoint';
import { recordCheckpointTaken } from '../../audit/checkpoint-record';
import { verifyAuditChain } from '../../audit/verify-chain';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';

export function auditCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const audit = new Command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute every hash chain and report the first broken link')
    .option('--run <run-id>', 'only this run\'s chain')
    .option('--checkpoint <file>', 'also prove nothing before this checkpoint (from `audit checkpoint`) changed')
    .option('--json', 'print the result as JSON')
    .action((opts: { run?: string; json?: boolean; checkpoint?: string }) =>
      run(async () => {
        // Read the checkpoint first: a bad file is a usage error, before any work.
        const checkpoint = opts.checkpoint !== undefined ? readCheckpoint(opts.checkpoint) : undefined;
        const started = Date.now();
        const db = await ctx.db();
        const result = await verifyAuditChain(db, { chainId: opts.run });
        let against: CheckpointVerifyResult | undefined;
        if (checkpoint) {
          const scoped = opts.run !== undefined ? { ...checkpoint, heads: opts.run in checkpoint.heads ? { [opts.run]: checkpoint.heads[opts.run] } : {} } : checkpoint;
          against = await verifyCheckpoint(db, scoped);
        }
        const seconds = (Date.now() - started) / 1000;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...result, seconds, ...(against ? { checkpoint: { file: opts.checkpoint, takenAt: checkpoint!.takenAt, digest: checkpoint!.digest, ...against } } : {}) }, null, 2)}\n`);
        } else {
          if (result.ok) {
            process.stdout.write(`audit trail intact: ${result.events} events in ${result.chains} chains verified in ${seconds.toFixed(2)} s\n`);
          } else {
            const b = result.firstBreak!;
            process.stdout.write(
              `audit trail BROKEN at chain ${b.chainId} seq ${b.seq} (run ${b.runId ?? '-'}, event id ${b.eventId}, ${b.type}, key ${b.key}): ${b.reason}\n`,
            );
          }
          if (against) {
            if (against.ok) process.stdout.write(`checkpoint ${checkpoint!.digest.slice(0, 16)} of ${checkpoint!.takenAt}: all ${against.checkedChains} chains unchanged up to it\n`);
            for (const m of against.mismatches) process.stdout.write(`checkpoint MISMATCH: chain ${m.chainId} seq ${m.seq}: ${m.reason}\n`);
          }
        }
        return result.ok && (against?.ok ?? true) ? EXIT.ok : EXIT.tampered;
      }),
    );
  audit
    .command('checkpoint')
    .description('write a digest of the trail (latest hash per chain, counts, time) to keep on WORM storage')
    .requiredOption('--out <file>', 'where to write the checkpoint (JSON)')
    .action((opts: { out: string }) =>
      run(async () => {
        const db = await ctx.db();
        const checkpoint = await takeCheckpoint(db);
        writeFileSync(opts.out, `${JSON.stringify(checkpoint, null, 2)}\n`, { flag: 'wx' });
        await recordCheckpointTaken(db, checkpoint, os.userInfo().username, opts.out);
        process.stdout.write(`checkpoint ${checkpoint.digest} written to ${opts.out}: ${checkpoint.events} events in ${checkpoint.chains} chains, ${checkpoint.takenAt}\n`);
        return EXIT.ok;
      }),
    );
  audit
    .command('auditor-role')
    .description('create (or refresh) a read-only PostgreSQL role for auditors: SELECT only')
    .option('--name <role>', 'role name', 'drillbook_auditor')
    .option('--password-env <var>', 'give the role LOGIN with the password in this environment variable')
    .action((opts: { name: string; passwordEnv?: string }) =>
      run(async () => {
        let password: string | undefined;
        if (opts.passwordEnv !== undefined) {
          password = process.env[opts.passwordEnv];
          if (!password) throw new CliError(`--password-env: the variable ${opts.passwordEnv} is not set`, EXIT.usage);
        }
        let name: string;
        try {
          name = await ensureAuditorRole(await ctx.db(), { name: opts.name, password });
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError(`--name: ${(err as Error).message}`, EXIT.usage);
        }
        process.stdout.write(`read-only role ${name} ready (SELECT on every table; no writes)\n`);
        return EXIT.ok;
      }),
    );
  return audit;
}

function readCheckpoint(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--checkpoint: cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
  try {
    return parseCheckpoint(text, file);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}
