/**
 * The adapter registry: one line per adapter. Runbook validation checks each step's input against the
 * adapter's schema from here; the step activities dispatch by name through it.
 */
import type { Adapter } from './types';
import { execAdapter } from './exec';
import { httpAdapter } from './http';
import { noopAdapter } from './noop';
import { notifyAdapter } from './notify';
import { postgresAdapter } from './postgres';

export const adapters: Record<string, Adapter> = {
  [execAdapter.name]: execAdapter,
  [httpAdapter.name]: httpAdapter,
  [noopAdapter.name]: noopAdapter,
  [notifyAdapter.name]: notifyAdapter,
  [postgresAdapter.name]: postgresAdapter,
};

export function findAdapter(name: string): Adapter | undefined {
  return Object.prototype.hasOwnProperty.call(adapters, name) ? adapters[name] : undefined;
}
