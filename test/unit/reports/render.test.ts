/** Renderers escape what they show: HTML never runs report data, CSV never hands a spreadsheet a formula. */
import { csv, esc } from '../../../src/reports/render/escape';
import { ganttSvg } from '../../../src/reports/render/gantt';
import { attainment, formatMs } from '../../../src/reports/measures';
import { parsePeriod } from '../../../src/reports/period';

test('HTML escaping', () => {
  expect(esc('<script>alert("x")</script>&\'')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  const svg = ganttSvg([{ stepId: '<b>x</b>', title: 't', kind: 'action', execution: 1, status: 'completed', attempts: 1, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, marks: [] }]);
  expect(svg).not.toContain('<b>');
  expect(svg.match(/<rect class="bar"/g)).toHaveLength(1);
});

test('CSV quoting and formula neutralising', () => {
  expect(csv(['a', 'b'], [['x,"y"', '=HYPERLINK("evil")'], [-5, null]])).toBe(`a,b\r\n"x,""y""","'=HYPERLINK(""evil"")"\r\n-5,\r\n`);
});

test('a missing measurement is "not measured", never zero or met', () => {
  expect(formatMs(null)).toBe('not measured');
  expect(formatMs(0)).toBe('0 ms');
  expect(attainment(null, 60_000)).toBe('not measured');
  expect(attainment(60_001, 60_000)).toBe('missed');
  expect(attainment(60_000, 60_000)).toBe('met');
});

test('periods in the programme time zone; a bad one is named', () => {
  expect(parsePeriod('2026-H2', 'Asia/Seoul')).toEqual({ id: '2026-H2', start: new Date('2026-06-30T15:00:00Z'), end: new Date('2026-12-31T15:00:00Z') });
  expect(parsePeriod('2026-Q1', 'UTC').end).toEqual(new Date('2026-04-01T00:00:00Z'));
  expect(() => parsePeriod('2026-H3', 'UTC')).toThrow(/period "2026-H3": expected/);
});
