import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { ensureAuditorRole } from '../../audit/auditor-role';
import { isSecretRef } from '../../config/secret-ref';
import { readKeyReference } from '../../security/signing-keys';
import { parseCheckpoint, takeCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointVerifyResult } from '../../audit/checkpoint';
import { recordCheckpointTaken } from '../../audit/checkpoint-record';
import { checkCheckpointSignature, signCheckpoint, type SignatureCheck } from '../../audit/checkpoint-signature';
import { ed25519PrivateKey, ed25519PublicKeys } from '../../audit/ed25519-keys';
import { verifyAuditChain } from '../../audit/verify-chain';
import { verifyRunProjections } from '../../audit/verify-runs';
import { verifyStepResults } from '../../audit/verify-step-results';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function auditCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const audit = new Command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute every hash chain, check each run\'s `runs` and `step_results` rows against its events, and report what disagrees')
    .option('--run <run-id>', 'only this run\'s chain and row')
    .option('--checkpoint <file>', 'also prove nothing before this checkpoint (from `audit checkpoint`) changed')
    .option('--public-key <keys>', 'check the checkpoint\'s signature: file:/path.pem (SPKI) or base64 raw keys, comma-separated (default: DRILLBOOK_TRUSTED_KEYS)')
    .option('--json', 'print the result as JSON')
    .action((opts: { run?: string; json?: boolean; checkpoint?: string; publicKey?: string }) =>
      run(async () => {
        // Read the checkpoint and keys first: a bad file or key is a usage error, before any work.
        const checkpoint = opts.checkpoint !== undefined ? readCheckpoint(opts.checkpoint) : undefined;
        const signature = checkpoint ? checkSignature(checkpoint, opts.publicKey ?? nonEmpty(process.env.DRILLBOOK_TRUSTED_KEYS), opts.publicKey !== undefined) : undefined;
        const started = Date.now();
        const db = await ctx.db();
        const result = await verifyAuditChain(db, { chainId: opts.run });
        const runs = await verifyRunProjections(db, { runId: opts.run });
        const steps = await verifyStepResults(db, { runId: opts.run });
        let against: CheckpointVerifyResult | undefined;
        if (checkpoint) {
          const scoped = opts.run !== undefined ? { ...checkpoint, heads: opts.run in checkpoint.heads ? { [opts.run]: checkpoint.heads[opts.run] } : {} } : checkpoint;
          against = await verifyCheckpoint(db, scoped);
        }
        const seconds = (Date.now() - started) / 1000;
        if (opts.json) {
          const cp = against ? { checkpoint: { file: opts.checkpoint, takenAt: checkpoint!.takenAt, digest: checkpoint!.digest, signature: signature ?? null, ...against } } : {};
          process.stdout.write(`${JSON.stringify({ ...result, seconds, runs, steps, ...cp }, null, 2)}\n`);
        } else {
          if (result.ok) {
            process.stdout.write(`audit trail intact: ${result.events} events in ${result.chains} chains verified in ${seconds.toFixed(2)} s\n`);
          } else {
            const b = result.firstBreak!;
            process.stdout.write(
              `audit trail BROKEN at chain ${b.chainId} seq ${b.seq} (run ${b.runId ?? '-'}, event id ${b.eventId}, ${b.type}, key ${b.key}): ${b.reason}\n`,
            );
          }
          if (runs.ok) process.stdout.write(`runs rows: all ${runs.runs} agree with their chains\n`);
          for (const m of runs.mismatches) process.stdout.write(`run ${m.runId}: runs row DISAGREES with its chain: ${m.differences.join('; ')}\n`);
          if (steps.ok) process.stdout.write(`step_results rows: all ${steps.rows} agree with their chains\n`);
          for (const m of steps.mismatches) process.stdout.write(`run ${m.runId} step ${m.stepId}${m.execution > 1 ? ` (execution ${m.execution})` : ''}: step_results DISAGREES with its chain: ${m.differences.join('; ')}\n`);
          if (signature?.ok) process.stdout.write(`checkpoint signature: valid, by key ${signature.publicKey}\n`);
          else if (signature) process.stdout.write(`checkpoint signature REFUSED: ${signature.reason}\n`);
          else if (checkpoint?.signature) process.stdout.write('checkpoint signature: not checked (give --public-key or DRILLBOOK_TRUSTED_KEYS)\n');
          if (against) {
            if (against.ok) process.stdout.write(`checkpoint ${checkpoint!.digest.slice(0, 16)} of ${checkpoint!.takenAt}: all ${against.checkedChains} chains unchanged up to it\n`);
            for (const m of against.mismatches) process.stdout.write(`checkpoint MISMATCH: chain ${m.chainId} seq ${m.seq}: ${m.reason}\n`);
          }
        }
        return result.ok && runs.ok && steps.ok && (against?.ok ?? true) && (signature?.ok ?? true) ? EXIT.ok : EXIT.tampered;
      }),
    );
  audit
    .command('checkpoint')
    .description('write a digest of the trail (latest hash per chain, counts, time) to keep on WORM storage')
    .requiredOption('--out <file>', 'where to write the checkpoint (JSON)')
    .option('--signing-key <ref>', 'sign it with this Ed25519 private key (env:NAME or file:/path: PKCS#8 PEM or base64 seed)')
    .option('--json', 'print { file, digest, events, chains, takenAt, publicKey } as JSON')
    .action((opts: { out: string; signingKey?: string; json?: boolean }) =>
      run(async () => {
        const key = opts.signingKey !== undefined ? readSigningKey(opts.signingKey) : undefined;
        const db = await ctx.db();
        let checkpoint = await takeCheckpoint(db);
        if (key) checkpoint = signCheckpoint(checkpoint, key);
        writeFileSync(opts.out, `${JSON.stringify(checkpoint, null, 2)}\n`, { flag: 'wx' });
        await recordCheckpointTaken(db, checkpoint, os.userInfo().username, opts.out);
        const signed = checkpoint.signature ? `, signed by key ${checkpoint.signature.publicKey}` : '';
        const { digest, events, chains, takenAt } = checkpoint;
        printResult(
          opts,
          { file: opts.out, digest, events, chains, takenAt, publicKey: checkpoint.signature?.publicKey ?? null },
          `checkpoint ${digest} written to ${opts.out}: ${events} events in ${chains} chains, ${takenAt}${signed}`,
        );
        return EXIT.ok;
      }),
    );
  audit
    .command('auditor-role')
    .description('create (or refresh) a read-only PostgreSQL role for auditors: SELECT only')
    .option('--name <role>', 'role name', 'drillbook_auditor')
    .option('--password-env <var>', 'give the role LOGIN with the password in this environment variable')
    .option('--json', 'print { role, login } as JSON')
    .action((opts: { name: string; passwordEnv?: string; json?: boolean }) =>
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
        printResult(opts, { role: name, login: password !== undefined }, `read-only role ${name} ready (SELECT on every table; no writes)`);
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

/** The private key a reference names (read as the front door's key is: outside runbooks' secret scope). */
function readSigningKey(ref: string) {
  if (!isSecretRef(ref)) throw new CliError('--signing-key: expected a secret reference, env:NAME or file:/absolute/path (never the key itself)', EXIT.usage);
  try {
    return ed25519PrivateKey(readKeyReference(ref, `--signing-key ${ref}`), `--signing-key ${ref}`);
  } catch (err) {
    throw new CliError((err as Error).message.startsWith('--signing-key') ? (err as Error).message : `--signing-key: ${(err as Error).message}`, EXIT.usage);
  }
}

/** The checkpoint's signature against the trusted keys; undefined when no key is configured. */
function checkSignature(checkpoint: Checkpoint, keys: string | undefined, fromOption: boolean): SignatureCheck | undefined {
  if (keys === undefined) return undefined;
  // Keys from the environment check a signed checkpoint; only an explicit --public-key demands a signature.
  if (!fromOption && !checkpoint.signature) return undefined;
  const source = fromOption ? '--public-key' : 'DRILLBOOK_TRUSTED_KEYS';
  let trusted;
  try {
    trusted = ed25519PublicKeys(keys, source);
  } catch (err) {
    throw new CliError((err as Error).message, fromOption ? EXIT.usage : EXIT.unavailable);
  }
  return checkCheckpointSignature(checkpoint, trusted);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
