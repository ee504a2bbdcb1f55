import { Command } from 'commander';
import { BUILTIN_ROLES } from '../../auth/roles';
import { issueToken, listUsers, revokeTokens, setUserDisabled, upsertUser } from '../../auth/users';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../options';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `drillbook users`: run on the server's host, against the audit database directly (it bootstraps the
 * first admin, who has no token yet).
 */
export function usersCommand(ctx: CliContext, run: Runner): Command {
  const users = new Command('users').description(`manage operators: users, roles (${BUILTIN_ROLES.join(', ')}, or a runbook's own approval role) and API tokens`);
  users
    .command('add')
    .description('create a user, or set the roles of an existing one')
    .argument('<name>', 'user name (e.g. alice)')
    .requiredOption('--role <role>', 'a role (repeatable)', collect, [])
    .option('--display-name <text>', 'full name')
    .action((name: string, opts: { role: string[]; displayName?: string }) =>
      run(async () => {
        try {
          const user = await upsertUser(await ctx.db(), { name, roles: opts.role, displayName: opts.displayName });
          process.stdout.write(`user ${user.name}: ${user.roles.join(', ')}\n`);
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError((err as Error).message, EXIT.usage);
        }
        return EXIT.ok;
      }),
    );
  users
    .command('token')
    .description('issue an API token for a user (printed once; only its hash is stored)')
    .argument('<name>', 'user name')
    .option('--label <text>', 'what the token is for', 'cli')
    .option('--expires-in-days <days>', 'expiry', parsePositiveInt)
    .action((name: string, opts: { label: string; expiresInDays?: number }) =>
      run(async () => {
        const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : undefined;
        let issued;
        try {
          issued = await issueToken(await ctx.db(), name, { label: opts.label, expiresAt });
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError((err as Error).message, EXIT.notFound);
        }
        process.stdout.write(`${issued.token}\n`);
        process.stderr.write(`token ${issued.prefix}… for ${name} (${issued.label}); shown once: store it now (e.g. export DRILLBOOK_TOKEN=…)\n`);
        return EXIT.ok;
      }),
    );
  users
    .command('revoke')
    .description("revoke a user's tokens (all, or those with a prefix)")
    .argument('<name>', 'user name')
    .option('--prefix <prefix>', 'only the token with this prefix (as `users list` shows)')
    .action((name: string, opts: { prefix?: string }) =>
      run(async () => {
        const n = await revokeTokens(await ctx.db(), name, opts.prefix);
        process.stdout.write(`${n} token(s) revoked\n`);
        return n ? EXIT.ok : EXIT.notFound;
      }),
    );
  users
    .command('disable')
    .description('disable a user (their tokens stop working)')
    .argument('<name>', 'user name')
    .action((name: string) =>
      run(async () => ((await setUserDisabled(await ctx.db(), name, true)) ? EXIT.ok : EXIT.notFound)),
    );
  users
    .command('list')
    .description('list users and roles')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const all = await listUsers(await ctx.db());
        if (opts.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else for (const u of all) process.stdout.write(`${u.name.padEnd(20)} ${u.roles.join(', ')}${u.disabled ? ' (disabled)' : ''}\n`);
        return EXIT.ok;
      }),
    );
  return users;
}
