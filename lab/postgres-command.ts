/**
 * Runs PostgreSQL's command-line tools from argv arrays (never a shell string). initdb, pg_ctl and
 * pg_rewind refuse to run as root, so when we are root they run as the lab's OS user through
 * `runuser -u <user> --`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class CommandFailedError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    super(`${argv.join(' ')} exited with ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
    this.name = 'CommandFailedError';
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The argv that runs `tool` (a file in the PostgreSQL bin dir) as the lab's OS user. */
export function postgresToolArgv(config: LabConfig, tool: string, args: string[]): string[] {
  const binary = path.join(config.postgresBinDir, tool);
  return isRoot() ? ['runuser', '-u', config.osUser, '--', binary, ...args] : [binary, ...args];
}

/** Runs argv to completion; resolves with its output whatever the exit code, rejects on timeout. */
export function runArgv(argv: string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** Runs a PostgreSQL tool as the lab's OS user; throws CommandFailedError on a non-zero exit. */
export async function runPostgresTool(
  config: LabConfig,
  tool: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<CommandResult> {
  const argv = postgresToolArgv(config, tool, args);
  const result = await runArgv(argv, options);
  if (result.code !== 0) throw new CommandFailedError(argv, result);
  return result;
}

/** Creates a folder the lab's OS user owns (the server writes data, sockets and logs there). */
export function makeOwnedDir(config: LabConfig, dir: string, mode = 0o700): void {
  mkdirSync(dir, { recursive: true, mode });
  if (isRoot()) {
    const { uid, gid } = osUserIds(config.osUser);
    chownSync(dir, uid, gid);
  }
}

const idCache = new Map<string, { uid: number; gid: number }>();

export function osUserIds(user: string): { uid: number; gid: number } {
  let ids = idCache.get(user);
  if (!ids) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    ids = { uid, gid };
    idCache.set(user, ids);
  }
  return ids;
}
