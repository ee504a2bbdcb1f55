import { formatDuration, parseDuration } from '../../../src/plan/duration';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1m30s250ms', 90_250],
    ['0s', 0],
  ])('%s = %d ms, and formats back', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
    expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
  });

  it.each(['', '30', '5 minutes', '1h 30m', '30m1h', '1s1s', '1.5h', '-5s', 'ms', '5x'])('refuses %j', (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it('formats the way authors write', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(500)).toBe('500ms');
  });
});
