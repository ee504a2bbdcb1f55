/**
 * A throwaway primary and streaming standby for the promote test: initdb, base backup with `-R`,
 * both on loopback ports with fsync off (a scratch pair, nothing to keep). PostgreSQL refuses to run
 * as root, so as root the tools run as the `postgres` user through `runuser`.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface StandbyPair {
  primaryUrl: string;
  standbyUrl: string;
  stop(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or undefined (the test then skips). */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_basebackup')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

export async function startStandbyPair(bin: string, primaryPort: number, standbyPort: number): Promise<StandbyPair> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-adapter-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout), Number(gid));
  }
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);
  const serverOptions = (port: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const started: string[] = [];
  const stop = async () => {
    for (const dataDir of started.reverse()) await tool('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = join(dir, 'primary');
    const standby = join(dir, 'standby');
    await tool('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-N']);
    await tool('pg_ctl', ['-D', primary, '-o', serverOptions(primaryPort), '-l', join(dir, 'primary.log'), '-w', 'start']);
    started.push(primary);
    await tool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standby, '-R', '-X', 'stream', '-c', 'fast']);
    await tool('pg_ctl', ['-D', standby, '-o', serverOptions(standbyPort), '-l', join(dir, 'standby.log'), '-w', 'start']);
    started.push(standby);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    standbyUrl: `postgres://postgres@127.0.0.1:${standbyPort}/postgres`,
    stop,
  };
}
