/**
 * The adapter registry: one line per adapter. The step activities dispatch by name through it; the
 * entry points (CLI, API) hand `adapterRegistry` to runbook validation, which checks each call's input
 * against the adapter's schema (the validator itself imports nothing of activities/).
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

/** The lookup runbook validation takes (src/runbook/adapter-inputs.ts AdapterRegistry). */
export const adapterRegistry = {
  find: findAdapter,
  names: (): string[] => Object.keys(adapters),
};
