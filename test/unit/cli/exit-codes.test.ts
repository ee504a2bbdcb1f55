/** One exit-code rule for every command that reports a run: `run --wait/--watch`, `status`, `watch`. */
import { EXIT, endedByTrailStatus, exitCodeOfRun } from '../../../src/cli/exit-codes';

test.each([
  [{ ended: true, verdict: 'pass' }, EXIT.ok],
  [{ ended: true, verdict: 'partial' }, EXIT.runFailed],
  [{ ended: true, verdict: 'fail' }, EXIT.runFailed],
  [{ ended: true, verdict: null }, EXIT.runFailed],
  [{ ended: false, verdict: null }, EXIT.running],
])('%j exits %i', (run, code) => {
  expect(exitCodeOfRun(run)).toBe(code);
});

test('the trail says a run ended unless it is running or paused', () => {
  expect(['running', 'paused'].map(endedByTrailStatus)).toEqual([false, false]);
  expect(['completed', 'failed', 'aborted'].map(endedByTrailStatus)).toEqual([true, true, true]);
});

test('every exit code is distinct', () => {
  const codes = Object.values(EXIT);
  expect(new Set(codes).size).toBe(codes.length);
  expect(codes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
