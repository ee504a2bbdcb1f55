/** The modes that change production: a run in one of them is a real run (registered runbook, service locks). */
import type { Mode } from '../plan/types';

export const REAL_MODES: readonly Mode[] = ['failover', 'failback'];

export function isRealMode(mode: Mode): boolean {
  return REAL_MODES.includes(mode);
}
