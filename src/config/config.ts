/**
 * drillbook's configuration, from the environment, checked with zod: a bad value is refused at start
 * with the variable's name, never half-applied.
 */
import path from 'node:path';
import { z } from 'zod';
import { dataDir } from './paths';
import { parseDirs, parseEnvNames, type SecretScope } from './secret-scope';
import { parseRunbookMaxBytes } from '../runbook/limits';

const connectionsSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i), z.string().min(1));

const envSchema = z.strictObject({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/drillbook'),
  /** Where `drillbook migrate` connects (the owner role or a superuser); default DATABASE_URL. */
  DRILLBOOK_MIGRATE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  DRILLBOOK_TASK_QUEUE: z.string().min(1).default('drillbook'),
  /** Sites whose steps this worker also runs (task queue `drillbook-<site>` each), comma-separated. */
  DRILLBOOK_SITES: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  /** Named PostgreSQL connections for the `postgres` adapter: JSON `{ "name": "postgres://…" }`. */
  DRILLBOOK_CONNECTIONS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return connectionsSchema.parse(JSON.parse(text));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `expected a JSON object of name → URL (${(err as Error).message})` });
        return z.NEVER;
      }
    }),
  /** Which `env:` names and `file:` folders runbooks may reference (src/config/secret-scope.ts). */
  DRILLBOOK_SECRETS_ENV_ALLOW: z.string().optional().transform(checked(parseEnvNames)),
  DRILLBOOK_SECRETS_DIRS: z.string().optional().transform(checked(parseDirs)),
  /** Largest runbook accepted, in bytes (src/runbook/limits.ts). */
  DRILLBOOK_RUNBOOK_MAX_BYTES: z.string().optional().transform(checked(parseRunbookMaxBytes)),
  /** `drillbook serve`'s port when --port is not given; 0 picks a free one. */
  DRILLBOOK_API_PORT: z.coerce.number({ error: 'expected a port number' }).int('expected a port number').min(0).max(65535).default(8080),
  /** Where the CLI's human actions go (src/cli/api-client.ts reads it; checked here so a typo is named at start). */
  DRILLBOOK_API_URL: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
  DRILLBOOK_LOG_LEVEL: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'expected TRACE, DEBUG, INFO, WARN or ERROR' }))
    .optional(),
  DRILLBOOK_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  DRILLBOOK_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
});

/** A parser of secret-scope.ts as a zod transform: its Error becomes an issue of the variable. */
function checked<T>(parse: (text: string | undefined) => T) {
  return (text: string | undefined, ctx: z.RefinementCtx): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^[A-Z_]+: /, '') });
      return z.NEVER;
    }
  };
}

export type Config = z.output<typeof envSchema> & { dataDir: string; temporalDbFile: string };

/** The secret scope of this configuration. */
export function secretScopeOf(config: Config): SecretScope {
  return { envNames: config.DRILLBOOK_SECRETS_ENV_ALLOW, dirs: config.DRILLBOOK_SECRETS_DIRS };
}

/** Reads the configuration. Throws an Error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(envSchema.shape);
  const picked = Object.fromEntries(known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`bad configuration:\n  ${lines.join('\n  ')}`);
  }
  return { ...parsed.data, dataDir, temporalDbFile: path.join(dataDir, 'temporal', 'dev-server.sqlite') };
}
