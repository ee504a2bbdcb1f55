/**
 * The front door's limits, from the environment, checked at start with each variable's name (as
 * src/config/config.ts does for the rest): the body size and the lockout after failed
 * authentications, the console's session expiries. (A runbook's own size is the parser's: DRILLBOOK_RUNBOOK_MAX_BYTES, src/runbook/limits.ts.) Documented in docs/operators.md ("Security") and the README's configuration table.
 */
import { z } from 'zod';
import { parseDuration } from '../plan/duration';

export interface ApiLimits {
  /** Largest request body read, in bytes; a larger one is answered 413 before it is read whole. */
  bodyLimit: number;
  /** Failed authentications from one client, or with one known token prefix, before a lockout. */
  authFailures: number;
  /** How long failures are counted, and how long a lockout lasts from the failure that caused it (ms). */
  lockoutWindowMs: number;
  /** Fastify's `trustProxy`: whose X-Forwarded-For names the client (false: the socket's address). */
  trustProxy: boolean | string;
  /** A console session ends after this long without a request from its browser (ms). */
  sessionIdleMs: number;
  /** And this long after its sign-in, whatever happens (ms). */
  sessionMaxMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimit: 2 * 1024 * 1024,
  authFailures: 10,
  lockoutWindowMs: 15 * 60_000,
  trustProxy: false,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 60 * 60_000,
};

/** A duration variable (`30m`, `12h`) of at least `minMs`. */
const durationVar = (minMs: number, minText: string) =>
  z.string().transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    if (parsed.ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `at least ${minText}` });
      return z.NEVER;
    }
    return parsed.ms;
  });

const positiveInt = (min: number, max: number) => z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const limitsSchema = z.strictObject({
  DRILLBOOK_API_BODY_LIMIT: positiveInt(1024, 64 * 1024 * 1024).optional(),
  DRILLBOOK_API_AUTH_FAILURES: positiveInt(1, 100_000).optional(),
  DRILLBOOK_API_LOCKOUT_WINDOW: durationVar(1000, '1s').optional(),
  DRILLBOOK_SESSION_IDLE: durationVar(60_000, '1m').optional(),
  DRILLBOOK_SESSION_MAX: durationVar(60_000, '1m').optional(),
  DRILLBOOK_API_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9a-fA-F:.\/]+(,[0-9a-fA-F:.\/]+)*)$/, 'expected true, false, or comma-separated proxy addresses (CIDR allowed)')
    .transform((v) => (v === 'true' ? true : v === 'false' ? false : v))
    .optional(),
});

/** @throws Error `bad configuration:` naming each bad variable. */
export function apiLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiLimits {
  const picked = Object.fromEntries(Object.keys(limitsSchema.shape).filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const parsed = limitsSchema.safeParse(picked);
  if (!parsed.success) {
    throw new Error(`bad configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const v = parsed.data;
  return {
    bodyLimit: v.DRILLBOOK_API_BODY_LIMIT ?? DEFAULT_API_LIMITS.bodyLimit,
    authFailures: v.DRILLBOOK_API_AUTH_FAILURES ?? DEFAULT_API_LIMITS.authFailures,
    lockoutWindowMs: v.DRILLBOOK_API_LOCKOUT_WINDOW ?? DEFAULT_API_LIMITS.lockoutWindowMs,
    trustProxy: v.DRILLBOOK_API_TRUST_PROXY ?? DEFAULT_API_LIMITS.trustProxy,
    sessionIdleMs: v.DRILLBOOK_SESSION_IDLE ?? DEFAULT_API_LIMITS.sessionIdleMs,
    sessionMaxMs: v.DRILLBOOK_SESSION_MAX ?? DEFAULT_API_LIMITS.sessionMaxMs,
  };
}
