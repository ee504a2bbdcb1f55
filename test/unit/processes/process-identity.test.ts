/** A process named by pid and start time: a pid taken by another process since is not the same process. */
import { spawn } from 'node:child_process';
import { endProcess, isRunning, processId } from '../../../src/processes/process-identity';

test('a running process has a start time; another start time under its pid is not it; an ended one runs no more', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const id = processId(child.pid!)!;
  expect(id).toEqual({ pid: child.pid, startTime: expect.stringMatching(/^\d+$/) });
  expect(isRunning(id)).toBe(true);
  expect(isRunning({ pid: child.pid!, startTime: String(Number(id.startTime) + 1) })).toBe(false);

  const exited = new Promise((resolve) => child.once('exit', resolve));
  await endProcess(id, 1_000);
  await exited;
  expect(isRunning(id)).toBe(false);
  expect(processId(child.pid!)).toBeUndefined();
});

test('a stopped process that ignores SIGTERM is ended by SIGKILL after the grace', async () => {
  const child = spawn('sh', ['-c', "trap '' TERM; echo ready; exec sleep 30"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve)); // its trap is set
  const id = processId(child.pid!)!;
  process.kill(id.pid, 'SIGSTOP');
  const startedAt = Date.now();
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await endProcess(id, 300);
  expect(await exited).toBe('SIGKILL');
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
});
