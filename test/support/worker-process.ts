/**
 * `drillbook worker` (the built CLI, bin/drillbook.js) as a process of its own on the test Temporal,
 * for the tests that kill a worker: start one, SIGKILL it, start another. A file's workers still
 * running are killed after its tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cliPath, projectDir } from './cli';
import { temporalAddress } from './temporal';

const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A worker on `taskQueue`; its stderr goes to the test's, prefixed, to say why if it dies of something else. */
export function startWorkerProcess(taskQueue: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  if (!existsSync(`${projectDir}/dist/src/cli/main.js`)) {
    throw new Error('dist/ is missing: `npm test` builds it (scripts/setup.sh); run `npm run build` first');
  }
  const child = spawn(process.execPath, [cliPath, 'worker'], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DRILLBOOK_TASK_QUEUE: taskQueue, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk}`));
  started.push(child);
  return child;
}

/** SIGKILLs `child` (no exit handler runs, as with the OOM killer) and waits until it is gone. */
export async function killWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
