/**
 * drillbook's configuration, from the environment, checked with zod: a bad value is refused at start
 * with the variable's name, never half-applied.
 */
import path from 'node:path';
import { z } from 'zod';
import { dataDir } from './paths';

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
  DRILLBOOK_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  DRILLBOOK_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
});

export type Config = z.output<typeof envSchema> & { dataDir: string; temporalDbFile: string };

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
