/**
 * The adapter registry: one line per adapter. Runbook validation checks each step's input against the
 * adapter's schema from here; the step activities dispatch by name through it.
 */
import type { Adapter } from './types';

export const adapters: Record<string, Adapter> = {};

export function findAdapter(name: string): Adapter | undefined {
  return Object.prototype.hasOwnProperty.call(adapters, name) ? adapters[name] : undefined;
}
