/**
 * `deferralEnd` over fixed and recurring blackout windows: Seoul business hours, overnight windows,
 * Berlin's DST changes (a skipped and a repeated hour), month ends (Feb 28/29, 30- and 31-day
 * months), chains of adjoining windows, and old schedules' fixed-only windows unchanged.
 */
import { deferralEnd, describeBlackout, type BlackoutWindow } from '../../../src/plan/blackout';
import type { RecurrenceRule } from '../../../src/plan/recurring-blackout';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const every = (name: string, rule: RecurrenceRule): BlackoutWindow => ({ name, every: rule });
const until = (windows: BlackoutWindow[], when: string) => iso(deferralEnd(windows, at(when))?.untilMs);

const seoulHours = every('business-hours', { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '09:00', to: '18:00', timezone: 'Asia/Seoul' });

test('fixed windows (what old schedules carry) defer to the end of the chain of overlapping or adjoining windows', () => {
  const windows: BlackoutWindow[] = [
    { name: 'closing', startMs: at('2027-01-14T00:00:00Z'), endMs: at('2027-01-16T00:00:00Z') },
    { name: 'freeze', startMs: at('2027-01-16T00:00:00Z'), endMs: at('2027-01-17T00:00:00Z') },
    { name: 'later', startMs: at('2027-02-01T00:00:00Z'), endMs: at('2027-02-02T00:00:00Z') },
  ];
  expect(deferralEnd(windows, at('2027-01-15T00:00:00Z'))).toEqual({ untilMs: at('2027-01-17T00:00:00Z'), windows: ['closing', 'freeze'] });
  expect(deferralEnd(windows, at('2027-01-17T00:00:00Z'))).toBeUndefined();
  expect(deferralEnd(windows, at('2027-01-13T23:59:59Z'))).toBeUndefined();
});

test('Seoul business hours: a drill due at 10:00 KST on a weekday waits until 18:00 KST; evenings and weekends are free', () => {
  expect(deferralEnd([seoulHours], at('2026-12-07T10:00:00+09:00'))).toEqual({ untilMs: at('2026-12-07T18:00:00+09:00'), windows: ['business-hours'] });
  expect(until([seoulHours], '2026-12-07T09:00:00+09:00')).toBe('2026-12-07T09:00:00.000Z'); // 18:00 KST
  expect(until([seoulHours], '2026-12-07T08:59:59+09:00')).toBeUndefined();
  expect(until([seoulHours], '2026-12-07T18:00:00+09:00')).toBeUndefined();
  // Friday 17:00 KST is Friday 08:00 UTC; Saturday 10:00 KST is Saturday 01:00 UTC (a weekday in UTC's eyes too, but not Seoul's rule).
  expect(until([seoulHours], '2026-12-11T17:00:00+09:00')).toBe('2026-12-11T09:00:00.000Z');
  expect(until([seoulHours], '2026-12-12T10:00:00+09:00')).toBeUndefined();
  // Monday 09:30 KST is still Sunday in UTC: the rule reads Seoul's calendar.
  expect(until([seoulHours], '2026-12-07T00:30:00Z')).toBe('2026-12-07T09:00:00.000Z');
});

test('an overnight window (22:00-06:00) covers the evening and the next morning, named by the day it starts', () => {
  const nightly = every('nightly-batch', { from: '22:00', to: '06:00', timezone: 'Europe/Berlin' });
  expect(until([nightly], '2026-12-04T23:00:00+01:00')).toBe('2026-12-05T05:00:00.000Z');
  expect(until([nightly], '2026-12-05T03:00:00+01:00')).toBe('2026-12-05T05:00:00.000Z');
  expect(until([nightly], '2026-12-05T06:00:00+01:00')).toBeUndefined();
  expect(until([nightly], '2026-12-05T21:59:00+01:00')).toBeUndefined();
  const fridayNight = every('friday-night', { days: ['FRI'], from: '22:00', to: '06:00', timezone: 'Europe/Berlin' });
  expect(until([fridayNight], '2026-12-05T03:00:00+01:00')).toBe('2026-12-05T05:00:00.000Z'); // Saturday morning: Friday's window
  expect(until([fridayNight], '2026-12-05T23:00:00+01:00')).toBeUndefined(); // Saturday night: none
  expect(until([fridayNight], '2026-12-04T21:00:00Z')).toBe('2026-12-05T05:00:00.000Z'); // Friday 22:00 CET
});

test('Berlin across DST: wall-clock windows keep their local times; a skipped start moves forward, a repeated hour counts once', () => {
  const early = every('early', { from: '01:00', to: '04:00', timezone: 'Europe/Berlin' });
  // Spring forward, 2027-03-28 02:00 CET -> 03:00 CEST: the window is 2 h long that night.
  expect(until([early], '2027-03-28T00:30:00Z')).toBe('2027-03-28T02:00:00.000Z'); // 04:00 CEST
  expect(until([early], '2027-03-27T00:30:00Z')).toBe('2027-03-27T03:00:00.000Z'); // the day before: 04:00 CET
  // Fall back, 2026-10-25 03:00 CEST -> 02:00 CET: the window is 4 h long that night.
  expect(until([early], '2026-10-24T23:00:00Z')).toBe('2026-10-25T03:00:00.000Z'); // 01:00 CEST .. 04:00 CET
  expect(until([early], '2026-10-24T22:59:00Z')).toBeUndefined();
  // A window starting at 02:30, which 2027-03-28 skips: it starts at 03:30 CEST (01:30 UTC).
  const skipped = every('skipped', { from: '02:30', to: '05:00', timezone: 'Europe/Berlin' });
  expect(until([skipped], '2027-03-28T01:15:00Z')).toBeUndefined();
  expect(until([skipped], '2027-03-28T01:45:00Z')).toBe('2027-03-28T03:00:00.000Z'); // 05:00 CEST
  // 02:30 on 2026-10-25 happens twice: the window starts at the first (00:30 UTC).
  expect(until([skipped], '2026-10-25T00:30:00Z')).toBe('2026-10-25T04:00:00.000Z'); // 05:00 CET
});

test('month ends: the last day (-1) of February in common and leap years, of 30- and 31-day months', () => {
  const monthEnd = every('month-end', { monthDays: [-1], from: '00:00', to: '24:00', timezone: 'UTC' });
  expect(until([monthEnd], '2027-02-28T12:00:00Z')).toBe('2027-03-01T00:00:00.000Z');
  expect(until([monthEnd], '2027-02-27T23:59:59Z')).toBeUndefined();
  expect(until([monthEnd], '2028-02-28T12:00:00Z')).toBeUndefined();
  expect(until([monthEnd], '2028-02-29T05:00:00Z')).toBe('2028-03-01T00:00:00.000Z');
  expect(until([monthEnd], '2027-04-30T00:00:00Z')).toBe('2027-05-01T00:00:00.000Z');
  expect(until([monthEnd], '2026-12-30T23:00:00Z')).toBeUndefined();
  expect(until([monthEnd], '2026-12-31T23:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
  // Day 31 exists only in 31-day months; day -2 is the day before the last.
  const day31 = every('day-31', { monthDays: [31, -2], from: '00:00', to: '24:00', timezone: 'UTC' });
  expect(until([day31], '2027-04-30T10:00:00Z')).toBeUndefined();
  expect(until([day31], '2027-04-29T10:00:00Z')).toBe('2027-04-30T00:00:00.000Z');
  expect(until([day31], '2027-02-27T10:00:00Z')).toBe('2027-02-28T00:00:00.000Z');
  // Month-end closing in Seoul: the last day, Seoul's midnight to midnight.
  const seoulClosing = every('closing', { monthDays: [-1], from: '00:00', to: '24:00', timezone: 'Asia/Seoul' });
  expect(until([seoulClosing], '2027-01-31T10:00:00+09:00')).toBe('2027-01-31T15:00:00.000Z');
  expect(until([seoulClosing], '2027-01-31T16:00:00Z')).toBeUndefined(); // already 1 February in Seoul
});

test('adjoining windows chain: the last and the first of the month, a fixed freeze right after business hours', () => {
  const turn = every('month-turn', { monthDays: [-1, 1], from: '00:00', to: '24:00', timezone: 'UTC' });
  expect(deferralEnd([turn], at('2027-01-31T10:00:00Z'))).toEqual({ untilMs: at('2027-02-02T00:00:00Z'), windows: ['month-turn'] });
  const freeze: BlackoutWindow = { name: 'freeze', startMs: at('2026-12-07T18:00:00+09:00'), endMs: at('2026-12-07T20:00:00+09:00') };
  expect(deferralEnd([seoulHours, freeze], at('2026-12-07T17:00:00+09:00'))).toEqual({ untilMs: at('2026-12-07T20:00:00+09:00'), windows: ['business-hours', 'freeze'] });
  // A rule that never leaves a gap still ends the computation (cut after a bounded chain).
  const always = every('always', { from: '00:00', to: '24:00', timezone: 'UTC' });
  const cut = deferralEnd([always], at('2027-01-01T00:00:00Z'));
  expect(cut!.untilMs).toBeGreaterThan(at('2027-01-01T00:00:00Z'));
  expect(Number.isFinite(cut!.untilMs)).toBe(true);
});

test('windows describe themselves for people', () => {
  expect(describeBlackout(seoulHours)).toBe('business-hours: every MON,TUE,WED,THU,FRI 09:00-18:00 Asia/Seoul');
  expect(describeBlackout(every('nightly', { from: '22:00', to: '06:00', timezone: 'UTC' }))).toBe('nightly: every day 22:00-06:00 (overnight) UTC');
  expect(describeBlackout(every('month-end', { monthDays: [-1], from: '00:00', to: '24:00', timezone: 'UTC' }))).toBe('month-end: every month on days -1 00:00-24:00 UTC');
  expect(describeBlackout({ name: 'closing', startMs: 0, endMs: 86_400_000, reason: 'year-end' })).toBe('closing: 1970-01-01T00:00:00.000Z - 1970-01-02T00:00:00.000Z (year-end)');
});
