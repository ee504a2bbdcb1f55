/**
 * The embedded dev server's record in the data folder (`temporal/dev-server.json`): where it listens,
 * its process, its supervisor, and the drillbook process that owns it (started or adopted it, and
 * stops it at Ctrl-C), each as pid + start time, so a record left by a SIGKILLed drillbook is read
 * for what it is, never as a pid that another process took since.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config';
import { isRunning, type ProcessId } from '../processes/process-identity';

export interface EmbeddedState {
  address: string;
  uiAddress?: string;
  /** The server's pid (records written before the start times have this alone). */
  pid: number;
  startTime?: string;
  supervisor?: ProcessId;
  owner?: ProcessId;
}

/**
 * What a record says now: `owned` (its owner runs: share the server, never stop it), `orphaned` (the
 * owner is gone, the server and nothing ending it are not), `ending` (the owner is gone and the
 * server's supervisor is ending it), `gone` (the server no longer runs), `unowned` (a record of an
 * older drillbook, without an owner).
 */
export type EmbeddedStatus = 'owned' | 'orphaned' | 'ending' | 'gone' | 'unowned';

export function stateFile(config: Config): string {
  return path.join(config.dataDir, 'temporal', 'dev-server.json');
}

/** The record, or undefined when there is none or it is unreadable (as good as none). */
export function readEmbeddedState(config: Config): EmbeddedState | undefined {
  const file = stateFile(config);
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedState;
    return typeof state.address === 'string' && Number.isInteger(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

export function writeEmbeddedState(config: Config, state: EmbeddedState): void {
  mkdirSync(path.dirname(stateFile(config)), { recursive: true });
  writeFileSync(stateFile(config), `${JSON.stringify(state)}\n`);
}

export function removeEmbeddedState(config: Config): void {
  rmSync(stateFile(config), { force: true });
}

export function embeddedStatus(state: EmbeddedState): EmbeddedStatus {
  if (!isRunning({ pid: state.pid, startTime: state.startTime })) return 'gone';
  if (!state.owner) return 'unowned';
  if (isRunning(state.owner)) return 'owned';
  return state.supervisor && isRunning(state.supervisor) ? 'ending' : 'orphaned';
}
