/**
 * The benchmark's runbooks, generated: chains and fans of `noop` action steps (the cost of drillbook
 * itself per step, with its full audit trail), compiled through the project's own loader.
 */
import { adapterRegistry } from '../activities/adapters/index';
import { loadRunbookText } from '../src/runbook/load';
import type { Plan } from '../src/plan/types';

function header(name: string): string {
  return [
    'apiVersion: drillbook/v1',
    `name: ${name}`,
    'version: "1"',
    'owners: [bench@drillbook]',
    'services: [bench]',
    'modes: [drill]',
    'steps:',
  ].join('\n');
}

function step(id: string, needs?: string): string {
  const lines = [`  - id: ${id}`, `    title: ${id}`, '    kind: action', '    action: { adapter: noop, input: {} }'];
  if (needs) lines.push(`    needs: [${needs}]`);
  return lines.join('\n');
}

/** `count` no-op steps, each needing the one before. */
export function chainRunbook(count: number): string {
  const steps = Array.from({ length: count }, (_, i) => step(`s${i + 1}`, i > 0 ? `s${i}` : undefined));
  return `${header(`bench-chain-${count}`)}\n${steps.join('\n')}\n`;
}

/** `count` independent no-op steps. */
export function fanOutRunbook(count: number): string {
  const steps = Array.from({ length: count }, (_, i) => step(`s${i + 1}`));
  return `${header(`bench-fan-${count}`)}\n${steps.join('\n')}\n`;
}

/** @throws Error with the diagnostics when the generated text does not compile (a bug here). */
export function compileBenchRunbook(yaml: string): { plan: Plan; planHash: string } {
  const { plan, planHash, diagnostics } = loadRunbookText(yaml, 'bench.yaml', { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(`bench runbook invalid: ${JSON.stringify(diagnostics.slice(0, 3))}`);
  return { plan, planHash };
}
