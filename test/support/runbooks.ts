/** Runbook text for tests: the usual header, and compiling it to a plan as the CLI and API do. */
import type { Client } from '@temporalio/client';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import type { Mode } from '../../src/plan/types';
import { startSignedRun } from './signing';

export interface HeaderOptions {
  /** The inside of `objectives: { … }`; null: no objectives. */
  objectives?: string | null;
  /** The inside of `modes: [ … ]`. */
  modes?: string;
  /** Declares the required string param `base` (the scripted API's address). */
  base?: boolean;
}

/** `apiVersion` … `modes` of a runbook named `name` (owners [team], services [payments]), to go before `steps:`. */
export function runbookHeader(name: string, { objectives = 'rto: 10m', modes = 'drill', base = false }: HeaderOptions = {}): string {
  return `
apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team]
services: [payments]
${objectives === null ? '' : `objectives: { ${objectives} }\n`}modes: [${modes}]
${base ? 'params:\n  base: { type: string, required: true }\n' : ''}`;
}

/** `runbookHeader(name)` with one no-op step `only`. */
export function oneStepRunbook(name: string): string {
  return `${runbookHeader(name)}steps:
  - id: only
    title: only
    kind: action
    action: { adapter: noop, input: {} }
`;
}

/** The plan of `yaml`; throws with the diagnostics when it does not validate. */
export function compileRunbook(yaml: string, file = 'test.yaml') {
  const { plan, planHash, diagnostics } = loadRunbookText(yaml, file, { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(`runbook invalid: ${JSON.stringify(diagnostics)}`);
  return { plan, planHash };
}

export interface StartOptions {
  mode?: Mode;
  params?: Record<string, string | number | boolean>;
  reason?: string;
  /** Who starts it: alice unless told. */
  initiator?: string;
  /** The file name diagnostics and the plan carry. */
  file?: string;
}

/** Compiles `yaml` and starts it, signed, on `on.taskQueue` (drill mode unless told). */
export async function startRunbook(on: { client: Client; taskQueue: string }, yaml: string, { mode = 'drill', params = {}, reason = 'test', initiator = 'alice', file }: StartOptions = {}) {
  const { plan, planHash } = compileRunbook(yaml, file);
  return startSignedRun(on.client, { plan, planHash, mode, params, initiator, reason, taskQueue: on.taskQueue });
}

/** A minimal header for hostile-input tests (no objectives, no modes). */
export const HOSTILE_HEAD = 'apiVersion: drillbook/v1\nname: t\nversion: "1"\nowners: [sre]\nservices: [core]\n';

/** A runbook whose YAML aliases expand nine-fold eight times over (a "billion laughs"); the parser refuses it at line 7, column 8. */
export function aliasBombRunbook(): string {
  let yaml = `${HOSTILE_HEAD}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  let prev = 'a';
  for (const name of 'bcdefghi') {
    yaml += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = name;
  }
  return `${yaml}steps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: { x: *i } } }\n`;
}
