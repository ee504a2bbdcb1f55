/**
 * The plan as a graph, plain SVG generated from the steps' `needs`: a step's column is the length of
 * the longest chain of needs before it, its row its place in that column; an edge from each need.
 * Each node's class and `data-state` carry the step's state (colour and, for the colour-blind, a
 * dashed or thick outline and the state in words).
 */
import { html } from '../html.js';
import type { ViewStep } from '../types.js';

const W = 190;
const H = 54;
const GAP_X = 50;
const GAP_Y = 18;

function layout(steps: ViewStep[]) {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string> = new Set()): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const step = byId.get(id);
    const d = step && step.needs.length ? 1 + Math.max(...step.needs.filter((n) => byId.has(n)).map((n) => depthOf(n, seen)), -1) : 0;
    depth.set(id, d);
    return d;
  };
  const columns: ViewStep[][] = [];
  for (const step of steps) (columns[depthOf(step.id)] ??= []).push(step);
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => column.forEach((step, r) => at.set(step.id, { x: c * (W + GAP_X) + 4, y: r * (H + GAP_Y) + 4 })));
  const width = columns.length * (W + GAP_X) - GAP_X + 8;
  const height = Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y + 8;
  return { at, width, height };
}

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function PlanGraph({ steps }: { steps: ViewStep[] }) {
  if (!steps.length) return null;
  const { at, width, height } = layout(steps);
  const edges = steps.flatMap((step) =>
    step.needs
      .filter((n) => at.has(n))
      .map((n) => {
        const from = at.get(n)!;
        const to = at.get(step.id)!;
        const x1 = from.x + W;
        const y1 = from.y + H / 2;
        const x2 = to.x;
        const y2 = to.y + H / 2;
        const mid = (x1 + x2) / 2;
        return html`<path class="edge" d=${`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} />`;
      }),
  );
  return html`<svg class="graph" viewBox=${`0 0 ${width} ${height}`} width=${width} height=${height} role="img" aria-label="the plan's steps and their states" data-testid="graph">
    ${edges}
    ${steps.map((step) => {
      const p = at.get(step.id)!;
      return html`<g class=${`node s-${step.state}`} data-step=${step.id} data-state=${step.state} transform=${`translate(${p.x},${p.y})`}>
        <title>${`${step.title} (${step.kind}): ${step.state}${step.error ? ` — ${step.error}` : ''}`}</title>
        <rect width=${W} height=${H} rx="6" />
        <text x="10" y="21">${short(step.title, 26)}</text>
        <text class="kind" x="10" y="41">${`${step.kind} · ${step.state}${step.execution > 1 ? ` · run ${step.execution}` : ''}`}</text>
      </g>`;
    })}
  </svg>`;
}
