/** The run's outcome and verdict (workflows/run-drill/verdict.ts): a pure function of what the run ended with. */
import { decidedSkipReason, runOutcome, type VerdictInput } from '../../../workflows/run-drill/verdict';

const outcome = (over: Partial<VerdictInput>) => runOutcome({ aborted: false, steps: [], measured: {}, objectives: {}, ...over });

test('a completed run with every step completed or skipped by `when` passes', () => {
  expect(outcome({ steps: [{ state: 'completed' }, { state: 'skipped', skipReason: `when "mode == 'failover'" is false` }] })).toEqual({ state: 'completed', verdict: 'pass' });
});

test('an aborted run fails, whatever its steps did', () => {
  expect(outcome({ aborted: true, steps: [{ state: 'completed' }] })).toEqual({ state: 'aborted', verdict: 'fail' });
});

test('a failed step (onFailure: continue) or a step an operator skipped makes it partial', () => {
  expect(outcome({ steps: [{ state: 'completed' }, { state: 'failed' }] }).verdict).toBe('partial');
  expect(outcome({ steps: [{ state: 'skipped', skipReason: decidedSkipReason('bob', 'done by hand') }] }).verdict).toBe('partial');
  expect(decidedSkipReason('bob', 'done by hand')).toBe('skipped by bob: done by hand');
});

test('a measured RTO or RPO over its objective fails; at the objective, or without one, it does not', () => {
  expect(outcome({ measured: { rtoMs: 61_000 }, objectives: { rtoMs: 60_000 } }).verdict).toBe('fail');
  expect(outcome({ measured: { rpoMs: 1 }, objectives: { rpoMs: 0 } }).verdict).toBe('fail');
  expect(outcome({ measured: { rtoMs: 60_000 }, objectives: { rtoMs: 60_000 } }).verdict).toBe('pass');
  expect(outcome({ measured: { rtoMs: 90_000 }, objectives: {} }).verdict).toBe('pass');
  expect(outcome({ measured: {}, objectives: { rtoMs: 1 } }).verdict).toBe('pass');
  // A missed objective outweighs partial.
  expect(outcome({ steps: [{ state: 'failed' }], measured: { rtoMs: 2 }, objectives: { rtoMs: 1 } }).verdict).toBe('fail');
});
