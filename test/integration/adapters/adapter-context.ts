/** Test helpers for adapters: a real `AdapterContext` (real secret resolution) that records heartbeats. */
import { ApplicationFailure } from '@temporalio/common';
import type { Adapter, AdapterContext } from '../../../activities/adapters/types';
import { resolveSecret } from '../../../activities/secrets';
import { runAdapter } from '../../../activities/adapter-call';
import type { Json } from '../../../src/plan/types';

export interface TestContext extends AdapterContext {
  heartbeats: (Json | undefined)[];
  controller: AbortController;
}

export function makeContext(options: { connections?: Record<string, string> } = {}): TestContext {
  const controller = new AbortController();
  const heartbeats: (Json | undefined)[] = [];
  return {
    controller,
    signal: controller.signal,
    heartbeats,
    heartbeat: (details) => void heartbeats.push(details),
    resolveSecret: (ref) => resolveSecret(ref),
    connections: options.connections ?? {},
  };
}

/**
 * Validates `raw` with the adapter's schema (as the step activity does), then executes it through the
 * one redaction point every activity uses (activities/adapter-call.ts).
 */
export async function run(adapter: Adapter, raw: unknown, ctx: AdapterContext = makeContext()): Promise<Json> {
  return runAdapter(adapter, adapter.input.parse(raw), ctx);
}

/** The `ApplicationFailure` a promise rejects with; fails the test if it resolves or throws something else. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw err;
  return err;
}

/** The messages of a schema's issues for `raw` (empty when valid). */
export function issuesOf(adapter: Adapter, raw: unknown): string[] {
  const result = adapter.input.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
