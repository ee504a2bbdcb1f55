/**
 * `noop`: does nothing, optionally after a sleep, and returns `{ ok: true }` or the given `output`.
 * For benchmarks (the cost of drillbook itself, per step) and tests (outputs read by later steps,
 * cancellation during a long step). Never fails except by cancellation.
 */
import { z } from 'zod';
import type { Adapter } from './types';
import { sleepWithHeartbeats } from './support/cancellation';
import { jsonSchema } from './support/schemas';

export const noopInput = z.strictObject({
  /** Returned as the step's output. */
  output: jsonSchema.optional().describe('returned as the step\'s output (default: `{ ok: true }`)'),
  /** Sleeps first, heartbeating; a day at most, since a longer no-op is a mistake (use a `wait` step). */
  sleepMs: z.number().int().min(0).max(24 * 60 * 60_000).optional().describe('sleep this long first, heartbeating (at most a day)'),
});

export type NoopInput = z.output<typeof noopInput>;

export const noopAdapter: Adapter<typeof noopInput> = {
  name: 'noop',
  description: 'Returns { ok: true } or the given output, optionally after a sleep.',
  input: noopInput,
  async execute(input, ctx) {
    if (input.sleepMs) await sleepWithHeartbeats(input.sleepMs, ctx);
    return input.output !== undefined ? input.output : { ok: true };
  },
};
