/** Runs the compiled CLI (`bin/drillbook.js`) as a user would: argv, environment, exit code and output. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { testDbUrl } from './db';
import { temporalAddress } from './temporal';

export const projectDir = path.join(__dirname, '..', '..');
export const cliPath = path.join(projectDir, 'bin', 'drillbook.js');
const execFileAsync = promisify(execFile);

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Never throws for a non-zero exit: the code is part of what the tests check. */
export async function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd ?? projectDir,
      env: { ...process.env, ...opts.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The environment of a CLI on the test Temporal and on `db` (its URL), with `extra` on top. */
export function cliEnv(db: Kysely<Database>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: testDbUrl(db), ...extra };
}
