/** A run's progress rebuilt from its audit events (what `watch` and `status` show once Temporal forgot the run). */
import { progressFromTrail, type TrailEvent } from '../../../src/cli/trail-progress';

const run = { runId: 'r1', runbookName: 'rb', planHash: 'h', mode: 'drill', status: 'aborted', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:01:00.000Z', rtoMs: null, rpoMs: null };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const e = (type: string, stepId: string | null, s: number, data: TrailEvent['data'] = {}): TrailEvent => ({ type, stepId, at: at(s), data });

test('steps in the order they first appear: attempts, errors, skips, cancellations and the last word on each undo', () => {
  const p = progressFromTrail(run, [
    e('run.started', null, 0),
    e('step.started', 'a', 1, { execution: 1, attempt: 1 }),
    e('step.attempt_failed', 'a', 2, { execution: 1, attempt: 1, error: 'down' }),
    e('step.retried', 'a', 3, { execution: 1, attempt: 2 }),
    e('step.completed', 'a', 4, { execution: 1, attempt: 2 }),
    e('step.skipped', 'b', 5, { reason: 'when "false" is false' }),
    e('step.started', 'c', 6, { execution: 1, attempt: 1 }),
    e('step.attempt_failed', 'c', 7, { execution: 1, attempt: 1, error: 'boom' }),
    e('step.failed', 'c', 7, { error: 'boom' }),
    e('step.started', 'd', 8, { execution: 1, attempt: 1 }),
    e('step.cancelled', 'd', 9, { reason: 'stop' }),
    e('run.abort_requested', null, 9),
    e('compensation.started', 'a', 10, { attempt: 1 }),
    e('compensation.failed', 'a', 10, { attempt: 1 }),
    e('compensation.completed', 'a', 11, { attempt: 2 }),
  ]);
  expect(p).toMatchObject({ runId: 'r1', runbook: 'rb', state: 'aborted', endedAt: run.endedAt });
  expect(p.steps.map((s) => [s.id, s.state, s.attempts, s.compensation ?? null, s.error ?? s.skipReason ?? null])).toEqual([
    ['a', 'completed', 2, 'completed', null],
    ['b', 'skipped', 0, null, 'when "false" is false'],
    ['c', 'failed', 1, null, 'boom'],
    ['d', 'cancelled', 1, null, null],
  ]);
  expect(p.steps[0]).toMatchObject({ startedAt: at(1).toISOString(), endedAt: at(4).toISOString() });
});
