/** The console's browser modules (console/*.ts → dist/console), compiled once per test file that serves pages. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectDir } from './cli';

export async function buildConsole(): Promise<void> {
  await promisify(execFile)(process.execPath, [path.join(projectDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(projectDir, 'console')], { cwd: projectDir });
}

/** `name=value` of a Set-Cookie header, to send back as a Cookie header (Node's fetch keeps no cookies). */
export function cookieOf(response: Response, name: string): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}
