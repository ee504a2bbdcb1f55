/**
 * `drillbook users`: users, roles and API tokens through the drillbook API (admin only, every attempt
 * audited; src/api/routes/users.ts). The one exception is `users bootstrap`, for the FIRST admin: on the
 * server's host, straight against the database, and only while no enabled admin exists.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Command } from 'commander';
import { recordHumanAction } from '../../audit/human-actions';
import { BUILTIN_ROLES } from '../../auth/roles';
import { UserChangeError, bootstrapFirstAdmin } from '../../auth/user-admin';
import { USER_NAME_PATTERN, type User } from '../../auth/users';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../options';
import { printJson, printResult } from '../output';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const enc = encodeURIComponent;

interface IssuedAnswer {
  name: string;
  token: string;
  prefix: string;
  label: string;
}

/** The token alone on stdout (for `$(…)`), or with --json `{ name, token, prefix, label }`; the note on stderr. */
function printToken(issued: { token: string; prefix: string; label: string }, name: string, json: boolean | undefined): void {
  if (json) printJson({ name, token: issued.token, prefix: issued.prefix, label: issued.label });
  else process.stdout.write(`${issued.token}\n`);
  process.stderr.write(`token ${issued.prefix}… for ${name} (${issued.label}); shown once: store it now (e.g. export DRILLBOOK_TOKEN=…)\n`);
}

export function usersCommand(ctx: CliContext, run: Runner): Command {
  const users = new Command('users').description(
    `manage operators through the drillbook API (admin): users, roles (${BUILTIN_ROLES.join(', ')}, or a runbook's own role) and API tokens`,
  );
  withApiOptions(users.command('add'))
    .description('create a user, or set the roles of an existing one')
    .argument('<name>', 'user name (e.g. alice)')
    .requiredOption('--role <role>', 'a role (repeatable)', collect)
    .option('--display-name <text>', 'full name')
    .option('--json', 'print the user as JSON')
    .action((name: string, opts: ApiClientOptions & { role: string[]; displayName?: string; json?: boolean }) =>
      run(async () => {
        const { user } = await new ApiClient(opts).post<{ user: User }>('/api/users', { name, roles: opts.role, ...(opts.displayName ? { displayName: opts.displayName } : {}) });
        printResult(opts, user, `user ${user.name}: ${user.roles.join(', ')}`);
        return EXIT.ok;
      }),
    );
  withApiOptions(users.command('token'))
    .description('issue an API token for a user (printed once; only its hash is stored)')
    .argument('<name>', 'user name')
    .option('--label <text>', 'what the token is for', 'cli')
    .option('--expires-in-days <days>', 'expiry', parsePositiveInt)
    .option('--json', 'print { name, token, prefix, label } as JSON')
    .action((name: string, opts: ApiClientOptions & { label: string; expiresInDays?: number; json?: boolean }) =>
      run(async () => {
        const issued = await new ApiClient(opts).post<IssuedAnswer>(`/api/users/${enc(name)}/tokens`, { label: opts.label, ...(opts.expiresInDays ? { expiresInDays: opts.expiresInDays } : {}) });
        printToken(issued, name, opts.json);
        return EXIT.ok;
      }),
    );
  withApiOptions(users.command('revoke'))
    .description("revoke a user's tokens (all, or the one with a prefix)")
    .argument('<name>', 'user name')
    .option('--prefix <prefix>', 'only the token with this prefix (as it was shown at issue)')
    .option('--json', 'print { name, revoked } as JSON')
    .action((name: string, opts: ApiClientOptions & { prefix?: string; json?: boolean }) =>
      run(async () => {
        const { revoked } = await new ApiClient(opts).post<{ revoked: number }>(`/api/users/${enc(name)}/tokens/revoke`, opts.prefix ? { prefix: opts.prefix } : {});
        printResult(opts, { name, revoked }, `${revoked} token(s) revoked`);
        return EXIT.ok;
      }),
    );
  for (const verb of ['disable', 'enable'] as const) {
    withApiOptions(users.command(verb))
      .description(verb === 'disable' ? 'disable a user (their tokens stop working)' : 'enable a disabled user again')
      .argument('<name>', 'user name')
      .option('--json', `print { name, action: "${verb}" } as JSON`)
      .action((name: string, opts: ApiClientOptions & { json?: boolean }) =>
        run(async () => {
          await new ApiClient(opts).post(`/api/users/${enc(name)}/${verb}`, {});
          printResult(opts, { name, action: verb }, `${name} ${verb}d`);
          return EXIT.ok;
        }),
      );
  }
  withApiOptions(users.command('list'))
    .description('list users and roles')
    .option('--json', 'print as JSON')
    .action((opts: ApiClientOptions & { json?: boolean }) =>
      run(async () => {
        const { users: all } = await new ApiClient(opts).get<{ users: User[] }>('/api/users');
        if (opts.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else for (const u of all) process.stdout.write(`${u.name.padEnd(20)} ${u.roles.join(', ')}${u.disabled ? ' (disabled)' : ''}\n`);
        return EXIT.ok;
      }),
    );
  users
    .command('bootstrap')
    .description("ON THE SERVER'S HOST, once: make the first admin straight in the database and print their token (refused once an admin exists)")
    .argument('<name>', 'the first admin (e.g. the on-call lead)')
    .option('--label <text>', 'what the token is for', 'bootstrap')
    .option('--json', 'print { name, token, prefix, label } as JSON')
    .action((name: string, opts: { label: string; json?: boolean }) =>
      run(async () => {
        if (!USER_NAME_PATTERN.test(name)) throw new CliError(`NAME: "${name}" is not a user name (lowercase letters, digits, ".", "_", "-", starting with a letter)`, EXIT.usage);
        const db = await ctx.db();
        // Nobody is authenticated here: the trail names the host's account that ran it.
        const actor = `host:${os.userInfo().username}@${os.hostname()}`;
        const requestId = randomUUID();
        try {
          const { issued } = await bootstrapFirstAdmin(db, { actor, requestId }, { name, label: opts.label });
          printToken(issued, name, opts.json);
          return EXIT.ok;
        } catch (err) {
          if (!(err instanceof UserChangeError)) throw err;
          await recordHumanAction(db, {
            requestId, outcome: 'refused', action: 'manageUsers', actor, runKnown: false, status: 409, code: 'conflict', message: err.message, refusedBy: 'api',
            request: { verb: 'bootstrap', name, label: opts.label },
          });
          throw new CliError(err.message, EXIT.conflict);
        }
      }),
    );
  return users;
}
