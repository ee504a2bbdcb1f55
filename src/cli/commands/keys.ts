/**
 * `drillbook keys generate --out DIR`: a new front door key pair (Ed25519): `front-door.key` (PKCS#8
 * PEM, mode 0600: DRILLBOOK_SIGNING_KEY=file:<it> on the `serve` host) and `front-door.pub` (SPKI PEM:
 * an entry of DRILLBOOK_TRUSTED_KEYS on every worker). Never overwrites a key.
 */
import path from 'node:path';
import { Command } from 'commander';
import { writeKeyPair } from '../../security/signing-keys';
import { CliError, EXIT } from '../exit-codes';
import type { CommandResult } from '../run-command';

export function keysCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const cmd = new Command('keys').description("the front door's signing keys (see docs/operators.md, Signed actions and keys)");
  cmd
    .command('generate')
    .description('write a new Ed25519 key pair: <name>.key (private, mode 0600) and <name>.pub (public)')
    .requiredOption('--out <dir>', 'folder to write them into (created if missing)')
    .option('--name <name>', 'file name without extension', 'front-door')
    .option('--json', 'print the files and the key id as JSON')
    .action((opts: { out: string; name: string; json?: boolean }) =>
      run(async () => {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(opts.name)) throw new CliError(`--name: expected letters, digits, ".", "_" or "-", got "${opts.name}"`, EXIT.usage);
        const dir = path.resolve(opts.out);
        let pair;
        try {
          pair = writeKeyPair(dir, opts.name);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new CliError(`--out ${opts.out}: ${e.code === 'EEXIST' ? e.message : `cannot write the key pair (${e.code ?? e.message})`}`, e.code === 'EEXIST' ? EXIT.usage : EXIT.unavailable);
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(pair)}\n`);
        } else {
          process.stdout.write(
            [
              `private key ${pair.privateKey} (mode 0600): on the serve host, DRILLBOOK_SIGNING_KEY=file:${pair.privateKey}`,
              `public key  ${pair.publicKey}: on every worker, add file:${pair.publicKey} to DRILLBOOK_TRUSTED_KEYS`,
              `key id      ${pair.keyId}`,
              '',
            ].join('\n'),
          );
        }
        return EXIT.ok;
      }),
    );
  return cmd;
}
