/**
 * Lockout after failed authentications, per client (its IP address) and per token prefix (the
 * visible start of a user's token, when it matches one on record: someone guessing at that user's
 * token, or using a revoked or expired one). After `authFailures` failures within
 * `lockoutWindowMs`, every request of that client, or bearing that prefix, is answered 429 for
 * `lockoutWindowMs` from the failure that caused it, even with the right token; one `action.refused`
 * event records each lockout (the first request it refuses), not each request.
 *
 * In memory, per API process: a restart forgets the counts (documented). Requests already in flight
 * when the lockout starts are answered normally.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { tokenOwnerByPrefix } from '../auth/authenticate';
import { tokenPrefix } from '../auth/tokens';
import { refusedForEndedSession } from '../auth/sessions';
import type { ApiLimits } from './api-limits';
import { answerWith } from './refusal-record';
import { actionOfRoute } from './route-actions';

interface Window {
  failures: number;
  /** When the count restarts (the first failure + the window). */
  countUntil: number;
  /** While locked: when the lockout ends. */
  lockedUntil?: number;
  /** The lockout's one event is written (or being written). */
  recorded?: boolean;
}

/** Past this many keys, windows that are over are swept on each new failure. */
const SWEEP_ABOVE = 10_000;

/** Failure counts per key (`client:<ip>`, `token:<prefix>`). */
export class FailureWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a failure; returns the key's window. */
  fail(key: string): Window {
    const now = this.now();
    if (this.windows.size > SWEEP_ABOVE) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || (w.lockedUntil === undefined && w.countUntil <= now) || (w.lockedUntil !== undefined && w.lockedUntil <= now)) {
      w = { failures: 0, countUntil: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.failures++;
    if (w.lockedUntil === undefined && w.failures >= this.limit) w.lockedUntil = now + this.windowMs;
    return w;
  }

  /** The key's window while it is locked out, else undefined. */
  locked(key: string): Window | undefined {
    const w = this.windows.get(key);
    if (!w?.lockedUntil) return undefined;
    if (w.lockedUntil > this.now()) return w;
    this.windows.delete(key);
    return undefined;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if ((w.lockedUntil ?? w.countUntil) <= now) this.windows.delete(key);
  }
}

/** Requests whose authentication failed but were answered with another status (e.g. a 413 before the route). */
const failedAuthentication = new WeakSet<object>();

export function markAuthenticationFailed(req: FastifyRequest): void {
  failedAuthentication.add(req.raw);
}

function bearerPrefix(req: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? tokenPrefix(match[1]) : undefined;
}

export function registerAuthLockout(app: FastifyInstance, db: Kysely<Database>, limits: ApiLimits): FailureWindows {
  const windows = new FailureWindows(limits.authFailures, limits.lockoutWindowMs);

  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/api/health') return;
    const prefix = bearerPrefix(req);
    const clientKey = `client:${req.ip}`;
    const byClient = windows.locked(clientKey);
    const byToken = prefix === undefined ? undefined : windows.locked(`token:${prefix}`);
    const lock = byClient ?? byToken;
    if (!lock) return;
    return refuseLocked(req, reply, lock, byClient ? { scope: 'client' } : { scope: 'token', prefix: prefix! });
  });

  // Counted before the answer leaves, so a client that waits for it cannot get ahead of its count.
  app.addHook('onSend', async (req, reply) => {
    if (reply.statusCode !== 401 && !failedAuthentication.has(req.raw)) return;
    // A console session that ended (signed out, expired): a genuine cookie, not a guess.
    if (refusedForEndedSession(req)) return;
    windows.fail(`client:${req.ip}`);
    const prefix = bearerPrefix(req);
    if (prefix !== undefined && (await tokenOwnerByPrefix(db, prefix).catch(() => undefined))) windows.fail(`token:${prefix}`);
  });

  async function refuseLocked(req: FastifyRequest, reply: FastifyReply, lock: Window, scope: { scope: 'client' } | { scope: 'token'; prefix: string }) {
    const until = new Date(lock.lockedUntil!);
    const retryAfter = Math.max(1, Math.ceil((lock.lockedUntil! - Date.now()) / 1000));
    const message =
      scope.scope === 'client'
        ? `too many failed authentications from this client: refused until ${until.toISOString()}`
        : `too many failed authentications with token ${scope.prefix}…: refused until ${until.toISOString()}`;
    const answer = { status: 429, body: { error: 'too_many_failures', message }, refusedBy: 'api' as const };
    void reply.header('retry-after', String(retryAfter));
    if (lock.recorded) return reply.code(429).send({ ...answer.body });
    lock.recorded = true;
    const { action, runId, stepId } = actionOfRoute(req);
    await answerWith(db, req, reply, answer, {
      requestId: randomUUID(),
      action,
      runId,
      stepId,
      runKnown: false,
      details: { lockout: { ...scope, failures: lock.failures, until: until.toISOString(), windowMs: limits.lockoutWindowMs } },
    });
    // Not recorded (503): the next refused request tries again.
    if (reply.statusCode === 503) lock.recorded = false;
    return reply;
  }

  return windows;
}
