/**
 * Fault: `drillbook dev` (the built CLI) is SIGKILLed. Its embedded Temporal dev server runs under a
 * supervisor that ends it; when the supervisor is killed too (the state an older drillbook left
 * behind every time), the next `drillbook dev` finds the orphan by its record in the data folder and
 * reuses it if it answers, or ends it if it does not, and says which on stderr. Ctrl-C (SIGINT,
 * SIGTERM) stops what it started or adopted: nothing is left listening.
 *
 * Its own data folder and ports (27501, 27502), not the test run's Temporal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { endProcess, isRunning, type ProcessId } from '../../src/processes/process-identity';
import type { EmbeddedState } from '../../src/temporal/embedded-state';
import { cliPath } from '../support/cli';
import { testDb, testDbUrl } from '../support/db';
import { uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';

/** Each test starts `drillbook dev` once or twice (a worker bundles the workflows: 10-40 s on 2 busy cores). */
const TEST_TIMEOUT_MS = 240_000;
const TEMPORAL_PORT = 27501;
const UI_PORT = 27502;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-fault-dev-'));
const stateFile = path.join(dataDir, 'temporal', 'dev-server.json');
let env: NodeJS.ProcessEnv;

interface Dev {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}
const devs: Dev[] = [];

beforeAll(async () => {
  const db = await testDb();
  env = {
    ...process.env,
    DATABASE_URL: testDbUrl(db),
    DRILLBOOK_DATA_DIR: dataDir,
    DRILLBOOK_TEMPORAL_PORT: String(TEMPORAL_PORT),
    DRILLBOOK_UI_PORT: String(UI_PORT),
    DRILLBOOK_TASK_QUEUE: uniqueQueue('fault-dev'),
  };
  delete env.TEMPORAL_ADDRESS; // the embedded server of `dataDir`, not the test run's
  await db.destroy();
});

afterAll(async () => {
  for (const dev of devs) if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGKILL');
  // A failed test must not leave a server of its own behind either.
  if (existsSync(stateFile)) {
    const state = recorded();
    await endProcess({ pid: state.pid, startTime: state.startTime }, 5_000);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `drillbook dev` and waits until its worker runs. */
async function startDev(): Promise<Dev> {
  const child = spawn(process.execPath, [cliPath, 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const dev: Dev = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (dev.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (dev.stderr += chunk.toString()));
  devs.push(dev);
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`drillbook dev exited ${child.exitCode}: ${dev.stderr}`);
    return dev.stdout.includes('worker running');
  }, 90_000).catch((err: Error) => {
    throw new Error(`drillbook dev did not come up: ${err.message}\nstdout: ${dev.stdout}\nstderr: ${dev.stderr}`);
  });
  return dev;
}

function recorded(): EmbeddedState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EmbeddedState;
}

function serverOf(state: EmbeddedState): ProcessId {
  return { pid: state.pid, startTime: state.startTime };
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The server answers an RPC: a namespace of it, through the SDK. */
async function temporalAnswers(): Promise<boolean> {
  const connection = await Connection.connect({ address: `127.0.0.1:${TEMPORAL_PORT}`, connectTimeout: 10_000 });
  try {
    const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
    return ns.namespaceInfo?.name === 'default';
  } finally {
    await connection.close();
  }
}

async function sigkill(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => !isRunning({ pid }), 10_000);
}

async function nothingListens(): Promise<boolean> {
  return !(await listens(TEMPORAL_PORT)) && !(await listens(UI_PORT));
}

test('a SIGKILLed `drillbook dev` takes its Temporal server with it; the next one says so and starts its own', async () => {
  const first = await startDev();
  const state = recorded();
  expect(state.owner?.pid).toBe(first.child.pid);
  await sigkill(first.child.pid!);

  // Its supervisor ends the server (SIGTERM, SIGKILL after 10 s): the ports are free again.
  await waitFor(async () => !isRunning(serverOf(state)) && (await nothingListens()), 20_000);

  const second = await startDev();
  expect(second.stderr).toMatch(/drillbook dev: the Temporal dev server \(pid \d+, 127\.0\.0\.1:27501\) of a drillbook that ended without stopping it \(pid \d+\) was (being )?ended by its supervisor/);
  expect(await temporalAnswers()).toBe(true);
  expect(recorded().owner?.pid).toBe(second.child.pid);
}, TEST_TIMEOUT_MS);

test('an orphaned server that answers (its `dev` and supervisor both SIGKILLed) is reused, and stopped at Ctrl-C', async () => {
  const owner = devs.at(-1)!;
  const state = recorded();
  // Both, as an OOM killer or `kill -9` of both could (the state every SIGKILL left before); the
  // supervisor first, or it would see its drillbook die and end the server.
  await sigkill(state.supervisor!.pid);
  await sigkill(owner.child.pid!);
  expect(isRunning(serverOf(state))).toBe(true);
  expect(await listens(TEMPORAL_PORT)).toBe(true);

  const next = await startDev();
  expect(next.stderr).toContain(`drillbook dev: reusing the Temporal dev server (pid ${state.pid}, 127.0.0.1:${TEMPORAL_PORT})`);
  expect(await temporalAnswers()).toBe(true);
  expect(recorded()).toMatchObject({ pid: state.pid, owner: { pid: next.child.pid } });

  next.child.kill('SIGINT');
  expect(await next.exited).toBe(0);
  expect(isRunning(serverOf(state))).toBe(false);
  expect(await nothingListens()).toBe(true);
  expect(existsSync(stateFile)).toBe(false);
}, TEST_TIMEOUT_MS);

test('an orphaned server that does not answer (stopped) is ended, and a new one started; SIGTERM stops it', async () => {
  const owner = await startDev();
  const state = recorded();
  process.kill(state.pid, 'SIGSTOP'); // its port still accepts connections; nothing answers on them
  await sigkill(state.supervisor!.pid);
  await sigkill(owner.child.pid!);

  const next = await startDev();
  expect(next.stderr).toContain(`drillbook dev: ended the Temporal dev server (pid ${state.pid}, 127.0.0.1:${TEMPORAL_PORT})`);
  expect(next.stderr).toContain('it did not answer');
  expect(isRunning(serverOf(state))).toBe(false);
  expect(await temporalAnswers()).toBe(true);
  const replacement = recorded();
  expect(replacement.pid).not.toBe(state.pid);

  next.child.kill('SIGTERM');
  expect(await next.exited).toBe(0);
  expect(isRunning(serverOf(replacement))).toBe(false);
  expect(await nothingListens()).toBe(true);
}, TEST_TIMEOUT_MS);
