/**
 * `drillbook validate runbooks/*.yaml | head -1`: a reader that stops reading closes the pipe; the CLI
 * exits quietly instead of dying on EPIPE with a stack trace. Real pipes, no services.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { cliPath, projectDir } from '../support/cli';

const runbooks = readdirSync(path.join(projectDir, 'runbooks'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join('runbooks', f));

test('stdout closed before the CLI writes: exit 0, nothing on stderr', async () => {
  const child = spawn(process.execPath, [cliPath, 'validate', ...runbooks], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
  // Close the pipe's read end at once: every write of the CLI meets a closed pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
});

test('through a shell pipeline into head -1', () => {
  const cmd = `set -o pipefail; "${process.execPath}" "${cliPath}" validate runbooks/*.yaml | head -1`;
  const out = spawnSync('bash', ['-c', cmd], { cwd: projectDir, encoding: 'utf8' });
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  expect(out.stdout.trim().split('\n')).toHaveLength(1);
});
