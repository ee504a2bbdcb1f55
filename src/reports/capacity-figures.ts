/**
 * The DR capacity a campaign's capacity phase measured (verify-dr-capacity's figures: `capacity-primary`,
 * `capacity-dr`, `dr-capacity-covers-peak`), as one ratio: the DR site's connection capacity over the
 * primary's peak. Read from the phase's figures as the trail keeps them; null when they are not there.
 */
import type { Json } from '../plan/types';

export interface CapacityFigures {
  /** The primary's peak (connections), as its inventory API reported it. */
  primaryPeakConnections: number;
  /** The DR site's capacity (connections). */
  drMaxConnections: number;
  /** drMaxConnections / primaryPeakConnections (null when the peak is 0). */
  ratio: number | null;
  /** The share of the peak the DR site had to carry (the runbook's capacityRatio), when recorded. */
  requiredRatio: number | null;
  /** What the check said: covered, or its problem. */
  covered: boolean | null;
  problem: string | null;
}

type Obj = { [k: string]: Json | undefined };
const obj = (v: Json | undefined): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const num = (v: Json | undefined): number | null => (v === null || v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));

export function capacityFromFigures(figures: Record<string, Json> | null | undefined): CapacityFigures | null {
  if (!figures) return null;
  const peak = num(obj(obj(figures['capacity-primary'])?.json)?.peakConnections);
  const dr = num(obj(obj(figures['capacity-dr'])?.json)?.maxConnections);
  if (peak === null || dr === null) return null;
  const check = obj(figures['dr-capacity-covers-peak']);
  const problem = check ? (typeof check.problem === 'string' && check.problem ? check.problem : null) : null;
  return {
    primaryPeakConnections: peak,
    drMaxConnections: dr,
    ratio: peak > 0 ? Math.round((dr / peak) * 100) / 100 : null,
    requiredRatio: num(check?.ratio),
    covered: check ? problem === null : null,
    problem,
  };
}

/** One line for people: "DR 200 connections / primary's peak 120 = 1.67x (required 1x): covered". */
export function capacityText(c: CapacityFigures | null): string {
  if (!c) return 'not measured';
  return `DR ${c.drMaxConnections} connections / primary's peak ${c.primaryPeakConnections} = ${c.ratio === null ? 'n/a' : `${c.ratio}x`}` +
    `${c.requiredRatio !== null ? ` (required ${c.requiredRatio}x)` : ''}${c.covered === false ? `: ${c.problem}` : c.covered ? ': covered' : ''}`;
}
