/**
 * The attainment chart's geometry, from the data alone (no imports, no DOM: the unit test runs it as
 * it is): per run its achieved figure against time, the target as a line, runs without a measurement
 * apart (never drawn as 0), and the axes' ticks. The page draws it as plain SVG (parts/trend-chart.ts).
 */

export interface ChartRun {
  runId: string;
  /** ISO time the run ended. */
  endedAt: string;
  /** Achieved milliseconds; null: not measured. */
  valueMs: number | null;
  targetMs: number;
  /** met | missed | not measured | no target */
  attainment: string;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Room for the axes' labels: left, right, top, bottom. */
  margin: { left: number; right: number; top: number; bottom: number };
}

export interface ChartGeometry {
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  points: { x: number; y: number; runId: string; attainment: string; valueMs: number; endedAt: string }[];
  /** Runs without a measurement: marked on a band under the time axis. */
  unmeasured: { x: number; y: number; runId: string; endedAt: string }[];
  /** The polyline through the measured points, in time order. */
  line: string;
  target: { y: number; ms: number } | null;
  yTicks: { y: number; ms: number }[];
  xTicks: { x: number; label: string }[];
}

export const DEFAULT_BOX: ChartBox = { width: 900, height: 320, margin: { left: 72, right: 24, top: 16, bottom: 64 } };

/** 1, 2 or 5 times a power of ten: a step that gives about `count` ticks up to `max`. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** Half-year boundaries (1 January, 1 July, UTC) between two instants, as tick labels `2026-H2`. */
function halfYearTicks(fromMs: number, toMs: number): { ms: number; label: string }[] {
  const out: { ms: number; label: string }[] = [];
  const start = new Date(fromMs);
  for (let year = start.getUTCFullYear(), half = start.getUTCMonth() < 6 ? 0 : 1; ; half === 1 ? (year++, (half = 0)) : (half = 1)) {
    const ms = Date.UTC(year, half * 6, 1);
    if (ms > toMs) break;
    if (ms >= fromMs) out.push({ ms, label: `${year}-H${half + 1}` });
  }
  return out;
}

export function chartGeometry(runs: readonly ChartRun[], box: ChartBox = DEFAULT_BOX): ChartGeometry {
  const plot = { x: box.margin.left, y: box.margin.top, width: box.width - box.margin.left - box.margin.right, height: box.height - box.margin.top - box.margin.bottom };
  const sorted = [...runs].sort((a, b) => Date.parse(a.endedAt) - Date.parse(b.endedAt));
  const times = sorted.map((r) => Date.parse(r.endedAt));
  const first = times.length ? times[0] : 0;
  const last = times.length ? times[times.length - 1] : 1;
  // One run alone sits in the middle of a day-wide axis.
  const [t0, t1] = first === last ? [first - 43_200_000, last + 43_200_000] : [first, last];
  const x = (ms: number) => plot.x + ((ms - t0) / (t1 - t0)) * plot.width;
  const measured = sorted.filter((r): r is ChartRun & { valueMs: number } => r.valueMs !== null);
  const target = sorted.length ? Math.min(...sorted.map((r) => r.targetMs)) : null;
  const top = Math.max(1, ...measured.map((r) => r.valueMs), target ?? 0) * 1.1;
  const step = niceStep(top);
  const yMax = Math.ceil(top / step) * step;
  const y = (ms: number) => plot.y + plot.height - (ms / yMax) * plot.height;
  const points = measured.map((r) => ({ x: x(Date.parse(r.endedAt)), y: y(r.valueMs), runId: r.runId, attainment: r.attainment, valueMs: r.valueMs, endedAt: r.endedAt }));
  const yTicks: { y: number; ms: number }[] = [];
  for (let ms = 0; ms <= yMax + step / 2; ms += step) yTicks.push({ y: y(ms), ms });
  return {
    width: box.width,
    height: box.height,
    plot,
    points,
    unmeasured: sorted.filter((r) => r.valueMs === null).map((r) => ({ x: x(Date.parse(r.endedAt)), y: plot.y + plot.height + 22, runId: r.runId, endedAt: r.endedAt })),
    line: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
    target: target === null ? null : { y: y(target), ms: target },
    yTicks,
    xTicks: halfYearTicks(t0, t1).map((t) => ({ x: x(t.ms), label: t.label })),
  };
}

/** Milliseconds for people: `850 ms`, `12.5 s`, `3.2 min`; null is "not measured", never 0. */
export function showMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'not measured';
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s` : `${ms} ms`;
}
