/**
 * Fault: the worker is SIGKILLed while an `exec` step's process runs. Temporal retries the step on
 * another worker once the heartbeat timeout passes; the killed worker's process must not run on
 * beside the retry (the side effect twice, overlapping). It runs under a supervisor that ends its
 * process group when the worker dies (src/processes/supervised-spawn.ts).
 *
 * The step's process appends `start|tick|end <pid> <ms>` lines to a file for ~15 s: longer than the
 * heartbeat timeout, so an orphan would still be ticking when the retry starts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { cliEnv, runCli } from '../support/cli';
import { testDb } from '../support/db';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process';

/**
 * A fixed program; the file it writes comes as `$1`, an argv element, never spliced into the script.
 * It ignores SIGTERM (and so do the `sleep`s it starts): only the SIGKILL after the grace ends it.
 */
const STEP_SCRIPT = `
trap '' TERM
log="$1"
stamp() { echo "$1 $$ $(date +%s%3N)" >> "$log"; }
stamp start
i=0
while [ "$i" -lt 30 ]; do sleep 0.5; stamp tick; i=$((i + 1)); done
stamp end
`;

const runbook = `${runbookHeader('exec-worker-kill')}params:
  log: { type: string, required: true }
steps:
  - id: before
    title: before
    kind: action
    action: { adapter: noop, input: {} }
  - id: side-effect
    title: a process with a side effect, its worker killed halfway
    kind: action
    needs: [before]
    action: { adapter: exec, input: { argv: [sh, -c, ${JSON.stringify(STEP_SCRIPT)}, sh, "\${{ params.log }}"] } }
  - id: after
    title: after
    kind: action
    needs: [side-effect]
    action: { adapter: noop, input: {} }
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-fault-exec-'));
const logFile = path.join(dir, 'side-effect.log');
let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
});

afterAll(async () => {
  await closeClient?.();
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Execution {
  pid: string;
  firstMs: number;
  lastMs: number;
  ended: boolean;
}

/** One entry per process that wrote `start`, with its first and last line's time. */
function executions(): Execution[] {
  const byPid = new Map<string, Execution>();
  for (const line of readFileSync(logFile, 'utf8').split('\n').filter(Boolean)) {
    const [what, pid, ms] = line.split(' ');
    const at = Number(ms);
    const e = byPid.get(pid) ?? { pid, firstMs: at, lastMs: at, ended: false };
    e.firstMs = Math.min(e.firstMs, at);
    e.lastMs = Math.max(e.lastMs, at);
    e.ended ||= what === 'end';
    byPid.set(pid, e);
  }
  return [...byPid.values()].sort((a, b) => a.firstMs - b.firstMs);
}

/** Processes whose command line names this test's folder (the step's `sh`, or what supervises it). */
function processesOfThisTest(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('an exec step whose worker is SIGKILLed: its process dies with the worker, the retry runs it once more, never beside it', async () => {
  const taskQueue = uniqueQueue('fault-exec');
  const first = startWorkerProcess(taskQueue);
  const handle = await startRunbook({ client, taskQueue }, runbook, { params: { log: logFile }, reason: 'fault: worker killed mid exec' });

  await waitFor(async () => executions().length === 1 && readFileSync(logFile, 'utf8').includes('tick'), 60_000);
  await killWorkerProcess(first);
  // The process ends with its worker (SIGKILL 1 s after SIGTERM), before Temporal can retry the step (2 s at the soonest).
  await waitFor(async () => processesOfThisTest().length === 0, 3_000).catch(() => {
    throw new Error(`orphaned after the worker's SIGKILL:\n${processesOfThisTest().join('\n')}`);
  });

  startWorkerProcess(taskQueue);
  const result = await handle.result();
  expect(result.state).toBe('completed');

  const runs = executions();
  expect(runs).toHaveLength(2); // the killed one and the retry
  expect(runs.map((e) => e.ended)).toEqual([false, true]);
  for (let i = 1; i < runs.length; i++) expect(runs[i].firstMs).toBeGreaterThan(runs[i - 1].lastMs);
  expect(processesOfThisTest()).toEqual([]);

  const story = (await getRunStory(db, handle.workflowId))!;
  const count = (type: string, stepId?: string) => story.events.filter((e) => e.type === type && (e.stepId ?? undefined) === stepId).length;
  for (const id of ['before', 'side-effect', 'after']) {
    expect(count('step.started', id)).toBe(1);
    expect(count('step.completed', id)).toBe(1);
  }
  expect(count('step.retried', 'side-effect')).toBe(1);
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);

  const verify = await runCli(['audit', 'verify', '--run', handle.workflowId], { env: cliEnv(db) });
  expect(verify).toMatchObject({ code: 0 });
});
