/**
 * A check's probe and its expectation, as a `check` step runs it and as readiness evaluates a
 * pre-check: probe through the adapter (redacted), evaluate `expect` against the output, and poll
 * every `everyMs` until it holds or `withinMs` has passed. Polling inside one (heartbeating) activity
 * keeps the history small. A probe error while polling counts as "not yet".
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { evaluate, type Scope } from '../src/plan/expression';
import { FAILURES } from '../src/plan/failures';
import type { AdapterCall, Expr, Json } from '../src/plan/types';
import { callAdapter, type AdapterEnvironment } from './adapter-call';
import { sleepUnlessAborted } from './abortable-sleep';

export interface ProbedCheck {
  probe: AdapterCall;
  expect: Expr;
  until?: { withinMs: number; everyMs: number };
}

/** @throws ApplicationFailure `ExpectationNotMet` (the last output in its details), or the probe's own error. */
export async function probeUntilExpected(input: ProbedCheck, scope: Scope, ctx: AdapterEnvironment): Promise<{ output: Json; detail: Record<string, Json> }> {
  const deadline = Date.now() + (input.until?.withinMs ?? 0);
  let probes = 0;
  for (;;) {
    probes += 1;
    let output: Json = null;
    let problem: string;
    try {
      output = await callAdapter(input.probe, scope, ctx);
      if (evaluate(input.expect, { ...scope, output })) {
        return { output, detail: { probes, expect: input.expect.source } };
      }
      problem = `expectation "${input.expect.source}" not met; output: ${short(output)}`;
    } catch (err) {
      if (!input.until || ctx.signal.aborted) throw err;
      problem = describeFailure(err).message;
    }
    if (!input.until || Date.now() + input.until.everyMs > deadline) {
      throw ApplicationFailure.create({
        message: input.until ? `${problem} (after ${probes} probes within ${input.until.withinMs} ms)` : problem,
        type: FAILURES.ExpectationNotMet,
        // A one-shot check may be retried per the step's policy; a polled one has used its window.
        nonRetryable: Boolean(input.until),
        details: [output],
      });
    }
    ctx.heartbeat({ probes });
    await sleepUnlessAborted(input.until.everyMs, ctx.signal);
  }
}

export function describeFailure(err: unknown): { message: string; type: string | null } {
  if (err instanceof ApplicationFailure) return { message: err.message, type: err.type ?? null };
  // The SDK's cancellation reasons are bare codes; the trail says what they mean for the attempt.
  if (err instanceof CancelledFailure && err.message in CANCELLED_BECAUSE) return { message: CANCELLED_BECAUSE[err.message], type: err.name };
  if (err instanceof Error) return { message: err.message, type: err.name };
  return { message: String(err), type: null };
}

/** What a cancelled attempt's reason means (an attempt's timeout passes: the server first answers its heartbeat with NOT_FOUND). */
const CANCELLED_BECAUSE: Record<string, string> = {
  TIMED_OUT: "the attempt's timeout passed (TIMED_OUT): Temporal gave the attempt up",
  NOT_FOUND: "the attempt's timeout passed or the run ended (NOT_FOUND): Temporal no longer knows this attempt",
};

function short(output: Json): string {
  const text = JSON.stringify(output) ?? 'null';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
