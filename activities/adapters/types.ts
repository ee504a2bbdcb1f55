/**
 * The contract of an adapter: one kind of infrastructure API. An adapter is one file exporting an
 * `Adapter` (a strict zod input schema, checked at validate time, and `execute`), registered in one
 * line of activities/adapters/index.ts.
 */
import type { z } from 'zod';
import type { Json } from '../../src/plan/types';

export interface AdapterContext {
  /** Aborted when the activity is cancelled (run aborted, timeout): pass it to every I/O call. */
  signal: AbortSignal;
  /** Report liveness/progress; the activity heartbeats it to Temporal. Cheap to call often. */
  heartbeat(details?: Json): void;
  /** Resolves a secret reference (`env:NAME`, `file:/path`) to its value. Never log the result. */
  resolveSecret(ref: string): Promise<string>;
  /** Named PostgreSQL connection strings known to this worker (its site's configuration). */
  connections: Record<string, string>;
}

export interface Adapter<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** Strict schema of the rendered input. */
  input: S;
  /**
   * Performs the call. Resolves with a JSON output (what later steps and checks read) or throws.
   * Throw `ApplicationFailure.nonRetryable` when a retry cannot help (bad input, expectation not met
   * with a definitive answer); other errors are retried per the step's retry policy.
   * Must be safe to repeat: a retried attempt may call it again after a crash.
   */
  execute(input: z.output<S>, ctx: AdapterContext): Promise<Json>;
}
