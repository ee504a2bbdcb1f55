/**
 * Cancellation and liveness for adapters. Temporal delivers a cancel to a running activity only
 * through heartbeats, so every wait longer than a moment heartbeats; and a cancelled call rethrows
 * `signal.reason` (in a worker, the SDK's `CancelledFailure`), so the activity reports a cancellation,
 * not a failure of the adapter.
 */
import type { AdapterContext } from '../types';
import type { Json } from '../../../src/plan/types';

/**
 * Heartbeat period while an adapter waits. Short enough that a cancel arrives within about a second
 * even with a tight heartbeat timeout; the SDK throttles what it sends to the server, so it is cheap.
 */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** Rethrows the abort reason if `signal` is aborted. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}

/** The error to throw for an aborted signal: its reason, or an `AbortError` if it gave none. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
  err.name = 'AbortError';
  return err;
}

/**
 * Heartbeats now and every `HEARTBEAT_INTERVAL_MS` until the returned function is called.
 * `details` is re-read at each beat so it can report progress.
 */
export function startHeartbeats(ctx: AdapterContext, details: () => Json | undefined): () => void {
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

/**
 * Waits `ms` milliseconds, heartbeating meanwhile.
 * @throws the abort reason as soon as `ctx.signal` aborts.
 */
export async function sleepWithHeartbeats(ms: number, ctx: AdapterContext): Promise<void> {
  throwIfCancelled(ctx.signal);
  const startedAt = Date.now();
  const stopHeartbeats = startHeartbeats(ctx, () => ({ sleptMs: Date.now() - startedAt, sleepMs: ms }));
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(ctx.signal));
      };
      const timer = setTimeout(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    stopHeartbeats();
  }
}
