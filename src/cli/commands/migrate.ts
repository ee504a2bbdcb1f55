import { Command } from 'commander';
import { migrateDatabase } from '../../audit/migrate-database';
import { CliError, EXIT } from '../exit-codes';
import { ensureDatabase, redactUrl, type CliContext } from '../context';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';

export function migrateCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('migrate')
    .description('create the audit database, its owner and app roles, apply the migrations as the owner, grant the app role')
    .option('--app-password-env <var>', 'set the app role\'s password from this environment variable')
    .option('--owner-password-env <var>', 'give the owner role LOGIN with the password in this environment variable')
    .option('--json', 'print { url, applied, asOwner, owner, app, appUrl, unclassified } as JSON (passwords never printed)')
    .action((opts: { appPasswordEnv?: string; ownerPasswordEnv?: string; json?: boolean }) =>
      run(async () => {
        const url = ctx.config.DRILLBOOK_MIGRATE_URL ?? ctx.config.DATABASE_URL;
        const variable = ctx.config.DRILLBOOK_MIGRATE_URL !== undefined ? 'DRILLBOOK_MIGRATE_URL' : 'DATABASE_URL';
        const passwords = { app: passwordFrom('--app-password-env', opts.appPasswordEnv), owner: passwordFrom('--owner-password-env', opts.ownerPasswordEnv) };
        let outcome;
        try {
          await ensureDatabase(url);
          outcome = await migrateDatabase(url, { createRoles: true, passwords });
        } catch (err) {
          throw new CliError(`cannot migrate the audit database at ${redactUrl(url)} (${variable}): ${(err as Error).message}`, EXIT.unavailable);
        }
        const { names } = outcome;
        const appUrl = roleUrl(url, names.app, passwords.app !== undefined);
        if (opts.json) {
          const { applied, asOwner, unclassified } = outcome;
          printJson({ url: redactUrl(url), applied, asOwner, owner: names.owner, app: names.app, appUrl, unclassified });
          return EXIT.ok;
        }
        const out = process.stdout;
        out.write(`audit schema up to date at ${redactUrl(url)}${outcome.applied.length ? ` (applied ${outcome.applied.join(', ')})` : ''}\n`);
        if (outcome.asOwner) {
          out.write(`roles: ${names.owner} owns the schema (migrations ran as it); ${names.app} may append to the trail and update projections only\n`);
        } else {
          out.write(`warning: migrations ran as ${outcome.user}, which may not act as ${names.owner}; the app role was not granted: run this with ${variable === 'DATABASE_URL' ? 'DRILLBOOK_MIGRATE_URL naming' : ''} a superuser or a member of ${names.owner}\n`);
        }
        out.write(`the app, workers and API:  DATABASE_URL=${appUrl}\n`);
        out.write(`migrations (this command): DRILLBOOK_MIGRATE_URL=${redactUrl(url)}\n`);
        for (const table of outcome.unclassified) {
          out.write(`warning: table ${table} is not classified in src/audit/table-access.ts: ${names.app} may only read it\n`);
        }
        return EXIT.ok;
      }),
    );
}

function passwordFrom(option: string, variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const value = process.env[variable];
  if (!value) throw new CliError(`${option}: the variable ${variable} is not set`, EXIT.usage);
  return value;
}

/** The migrate URL with the app role as its user; the password is never printed. */
function roleUrl(url: string, role: string, hasPassword: boolean): string {
  const u = new URL(url);
  u.username = role;
  u.password = hasPassword ? 'PASSWORD' : '';
  return u.toString();
}
