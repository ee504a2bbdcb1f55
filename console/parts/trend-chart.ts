/**
 * The RTO/RPO attainment chart: plain SVG drawn from the figures (geometry in chart-geometry.ts), each
 * run a point (met, missed), the target a dashed line, unmeasured runs as marks under the time axis;
 * each point has a title with its run, time and figure, and the data is also in the table beside it.
 */
import { html } from '../html.js';
import { chartGeometry, showMs, type ChartRun } from './chart-geometry.js';

export function TrendChart({ runs, label }: { runs: ChartRun[]; label: string }) {
  const g = chartGeometry(runs);
  const { plot } = g;
  const bottom = plot.y + plot.height;
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${g.width} ${g.height}`} role="img" aria-label=${`${label}: achieved per run against the target`} data-testid="attainment-chart" class="chart-svg">
      ${g.yTicks.map((t) => html`<g class="tick">
        <line x1=${plot.x} x2=${plot.x + plot.width} y1=${t.y} y2=${t.y} class="grid" />
        <text x=${plot.x - 8} y=${t.y + 4} text-anchor="end" class="axis-label">${showMs(t.ms)}</text>
      </g>`)}
      ${g.xTicks.map((t) => html`<g class="tick">
        <line x1=${t.x} x2=${t.x} y1=${plot.y} y2=${bottom} class="grid" />
        <text x=${t.x + 4} y=${bottom + 16} class="axis-label">${t.label}</text>
      </g>`)}
      <line x1=${plot.x} x2=${plot.x + plot.width} y1=${bottom} y2=${bottom} class="axis" />
      <line x1=${plot.x} x2=${plot.x} y1=${plot.y} y2=${bottom} class="axis" />
      ${g.target ? html`<g>
        <line x1=${plot.x} x2=${plot.x + plot.width} y1=${g.target.y} y2=${g.target.y} class="target" data-testid="target-line" />
        <text x=${plot.x + plot.width - 4} y=${g.target.y - 6} text-anchor="end" class="target-label">target ${showMs(g.target.ms)}</text>
      </g>` : null}
      <polyline points=${g.line} class="trend" />
      ${g.points.map((p) => html`<circle cx=${p.x} cy=${p.y} r="5" class=${`point point-${p.attainment.replace(/ /g, '-')}`}>
        <title>${p.runId} · ${p.endedAt.slice(0, 10)} · ${showMs(p.valueMs)} (${p.attainment})</title>
      </circle>`)}
      ${g.unmeasured.length ? html`<text x=${plot.x} y=${g.unmeasured[0].y + 20} class="axis-label">▪ not measured (no completed rto.end / rpo.measure step)</text>` : null}
      ${g.unmeasured.map((p) => html`<rect x=${p.x - 4} y=${p.y - 4} width="8" height="8" class="point point-not-measured">
        <title>${p.runId} · ${p.endedAt.slice(0, 10)} · not measured</title>
      </rect>`)}
    </svg>
    <figcaption>${label}: ${g.points.length} measured run${g.points.length === 1 ? '' : 's'}${g.unmeasured.length ? `, ${g.unmeasured.length} not measured` : ''}. Points above the dashed line missed the target.</figcaption>
  </figure>`;
}
