/** The campaign's verdict: a pure function of its phases and whether it was aborted. */
import { campaignVerdict, phaseFailed, withinTarget, type PhaseRecord } from '../../../src/plan/campaign';

type Phase = Pick<PhaseRecord, 'state' | 'verdict' | 'rtoMet' | 'rpoMet'>;
const ok: Phase = { state: 'completed', verdict: 'pass', rtoMet: true, rpoMet: true };

test.each<[string, boolean, Phase[], 'pass' | 'partial' | 'fail']>([
  ['every phase passed within its targets', false, [ok, ok, ok], 'pass'],
  ['nothing measured and no targets', false, [{ state: 'completed', verdict: 'pass' }], 'pass'],
  ['aborted', true, [ok, ok], 'fail'],
  ['an RTO missed', false, [ok, { ...ok, rtoMet: false }], 'fail'],
  ['an RPO missed in a skipped phase', false, [ok, { state: 'skipped', verdict: 'fail', rpoMet: false }], 'fail'],
  ['a phase skipped by a decision', false, [ok, { state: 'skipped', verdict: 'fail' }, ok], 'partial'],
  ['a phase ended partial', false, [ok, { ...ok, verdict: 'partial' }], 'partial'],
  ['a phase never ran (not aborted: cannot happen, but not a pass)', false, [ok, { state: 'pending' }], 'fail'],
])('%s', (_what, aborted, phases, verdict) => {
  expect(campaignVerdict({ aborted, phases })).toBe(verdict);
});

test('a phase fails when its run aborted or its verdict is fail; targets compare when both are known', () => {
  expect(phaseFailed({ state: 'aborted', verdict: 'fail' })).toBe(true);
  expect(phaseFailed({ state: 'completed', verdict: 'fail' })).toBe(true);
  expect(phaseFailed({ state: 'completed', verdict: 'partial' })).toBe(false);
  expect(withinTarget(100, 100)).toBe(true);
  expect(withinTarget(101, 100)).toBe(false);
  expect(withinTarget(undefined, 100)).toBeUndefined();
  expect(withinTarget(5, undefined)).toBeUndefined();
});
