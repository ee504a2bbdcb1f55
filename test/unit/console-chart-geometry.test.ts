/** The console's attainment chart is drawn from the data: its geometry, checked without a browser. */
import { chartGeometry, niceStep, showMs, type ChartRun } from '../../console/parts/chart-geometry';

const run = (runId: string, endedAt: string, valueMs: number | null, targetMs = 30_000): ChartRun => ({
  runId, endedAt, valueMs, targetMs, attainment: valueMs === null ? 'not measured' : valueMs <= targetMs ? 'met' : 'missed',
});

test('each measured run is a point placed by its time and figure; the target a line; unmeasured runs apart, never at 0', () => {
  const g = chartGeometry([run('b', '2026-07-01T00:00:00Z', 40_000), run('a', '2026-01-01T00:00:00Z', 10_000), run('c', '2026-12-31T00:00:00Z', null)]);
  const { plot } = g;
  expect(g.points.map((p) => p.runId)).toEqual(['a', 'b']);
  expect(g.points[0].x).toBeCloseTo(plot.x);
  expect(g.unmeasured).toEqual([expect.objectContaining({ runId: 'c', x: expect.closeTo(plot.x + plot.width, 5) })]);
  // The unmeasured mark sits below the time axis, not on the zero line.
  expect(g.unmeasured[0].y).toBeGreaterThan(plot.y + plot.height);
  // Higher figures are higher up; the missed point is above the target line, the met one below.
  expect(g.points[1].y).toBeLessThan(g.target!.y);
  expect(g.points[0].y).toBeGreaterThan(g.target!.y);
  expect(g.target!.ms).toBe(30_000);
  expect(g.yTicks[0]).toEqual({ y: plot.y + plot.height, ms: 0 });
  expect(g.yTicks[g.yTicks.length - 1].ms).toBeGreaterThanOrEqual(40_000);
  expect(g.xTicks.map((t) => t.label)).toEqual(['2026-H1', '2026-H2']);
  expect(g.line.split(' ')).toHaveLength(2);
});

test('one run, or none, still draws', () => {
  const one = chartGeometry([run('a', '2026-03-01T00:00:00Z', 5000)]);
  expect(one.points[0].x).toBeCloseTo(one.plot.x + one.plot.width / 2);
  const none = chartGeometry([]);
  expect(none.points).toEqual([]);
  expect(none.target).toBeNull();
});

test('ticks and figures for people', () => {
  expect(niceStep(44_000)).toBe(10_000);
  expect(niceStep(9)).toBe(2);
  expect(showMs(null)).toBe('not measured');
  expect(showMs(0)).toBe('0 ms');
  expect(showMs(12_345)).toBe('12.3 s');
  expect(showMs(180_000)).toBe('3.0 min');
});
