/**
 * The worker's secrets, held in memory and out of its environment. At start (`drillbook worker`,
 * `dev`, `demo`) the worker reads the variables runbooks may reference (the `env:` scope) and the ones
 * only it needs (DATABASE_URL, DRILLBOOK_CONNECTIONS, …), keeps them here, deletes them from
 * `process.env`, and wipes their bytes from the process's initial environment block: Linux serves
 * `/proc/<pid>/environ` from that block, whatever `process.env` says later, and any process of the
 * same user — a step's `exec` child first — can read it. The block is rewritten through
 * `/proc/self/mem` (a process may always write its own memory), as setproctitle does for argv.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { envNameAllowed, type SecretScope } from '../src/config/secret-scope';

/** Variables the worker reads once at start and no child of it may see. */
export const WORKER_ONLY_VARIABLES = ['DATABASE_URL', 'DRILLBOOK_CONNECTIONS', 'DRILLBOOK_TOKEN', 'PGPASSWORD'];

const held = new Map<string, string>();

/** A value held at start, by variable name. */
export function heldSecret(name: string): string | undefined {
  return held.get(name);
}

export interface HoldResult {
  /** Variables moved out of the environment. */
  names: string[];
  /** Whether the initial environment block was wiped (false: not Linux, or /proc/self/mem refused). */
  wiped: boolean;
}

/**
 * Moves every variable of the scope and of WORKER_ONLY_VARIABLES from the environment into memory.
 * Call it after the configuration was read, before any step runs. Never throws.
 */
export function holdSecretsInMemory(scope: SecretScope, env: NodeJS.ProcessEnv = process.env): HoldResult {
  const names = Object.keys(env).filter((name) => WORKER_ONLY_VARIABLES.includes(name) || envNameAllowed(name, scope));
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && envNameAllowed(name, scope)) held.set(name, value);
    delete env[name];
  }
  const wiped = env === process.env ? wipeInitialEnvironment(names) : false;
  return { names, wiped };
}

/**
 * Zeroes the `NAME=value` entries of `names` in the initial environment block (between env_start and
 * env_end of /proc/self/stat). Only entries already removed from `environ` (by `delete process.env`)
 * are touched, so libc never reads a zeroed string. Returns false when it cannot.
 */
function wipeInitialEnvironment(names: string[]): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the `(comm)` field: the 3rd field of the file is index 0 here; env_start is field 50.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[47]);
    const end = Number(fields[48]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return false;
    const fd = openSync('/proc/self/mem', 'r+');
    try {
      const block = Buffer.alloc(end - start);
      readSync(fd, block, 0, block.length, start);
      let offset = 0;
      while (offset < block.length) {
        let stop = block.indexOf(0, offset);
        if (stop === -1) stop = block.length;
        const entry = block.toString('latin1', offset, stop);
        const eq = entry.indexOf('=');
        if (eq > 0 && names.includes(entry.slice(0, eq))) {
          writeSync(fd, Buffer.alloc(stop - offset), 0, stop - offset, start + offset);
        }
        offset = stop + 1;
      }
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}
