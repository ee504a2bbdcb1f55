/**
 * `exec`: runs one process from an argv array, never through a shell: `argv[0]` is the program and
 * every other element reaches it as one literal argument, so a parameter holding `; rm -rf /` or
 * spaces stays one argument.
 *
 * The process runs in its own process group; on cancel or timeout the whole group gets SIGTERM, then
 * SIGKILL after `killGraceMs`, so helpers it started do not outlive the step. It runs under a
 * supervisor (src/processes/supervised-spawn.ts) that does the same when the worker itself dies, even
 * by SIGKILL or the OOM killer: otherwise the process would run on, orphaned, while Temporal retries
 * the step on another worker, and the side effect would happen twice, overlapping. Its environment is a
 * short allow-list of the worker's (PATH, HOME, locale, TZ, TMPDIR) plus `env` and `envFromSecrets`:
 * the worker's own environment holds credentials a runbook's program has no business reading.
 * Secret values are redacted from the captured output by activities/adapter-call.ts, like any adapter's.
 *
 * Failures: `ProcessExitCode` is retryable: an exit code does not say whether the cause is
 * transient, so the step's retry policy (the author's choice) decides. `ProcessSpawnFailed` is not
 * (a missing program or cwd stays missing on this worker); `AdapterTimedOut` is (it may be slow now).
 */
import { isAbsolute } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FAILURES } from '../../src/plan/failures';
import { spawnSupervised, type ProgramEnd } from '../../src/processes/supervised-spawn';
import type { Json } from '../../src/plan/types';
import type { Adapter, AdapterContext } from './types';
import { abortReason, startHeartbeats } from './support/cancellation';
import { OutputCapture } from './support/output-capture';
import { asList, oneOrMany, secretRefSchema, timeoutMsSchema } from './support/schemas';

/** Output kept per stream (head + tail): enough for a diagnosis, small enough for the history. */
const CAPTURE_HEAD_BYTES = 16 * 1024;
const CAPTURE_TAIL_BYTES = 16 * 1024;

/**
 * After the process exits, how long to wait for its stdout/stderr to close: a background child that
 * inherited them (a daemon it started) would otherwise hold the step open until it exits.
 */
const STDIO_DRAIN_MS = 2_000;

/**
 * When the worker dies mid-step, the longest its process gets between SIGTERM and SIGKILL (less if
 * `killGraceMs` says so). Temporal retries the step once no heartbeat came for the heartbeat timeout
 * (10 s, workflows/run-drill/activity-options.ts), but the SDK sends heartbeats at most every 80% of
 * it (8 s): the retry may start 2 s (plus the retry interval) after the worker died. The process is
 * gone before that.
 */
const ORPHAN_KILL_GRACE_MS = 1_000;

/** Variables of the worker's environment a process inherits (see the header for why so few). */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

const noNulBytes = (s: string) => !s.includes('\0');
const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name');

export const execInput = z.strictObject({
  /** Program and arguments, each passed literally (no shell, no splitting, no globbing). */
  argv: z
    .array(z.string().refine(noNulBytes, 'must not contain a NUL byte'))
    .min(1)
    .refine((argv) => argv.length === 0 || argv[0].length > 0, 'argv[0] (the program) must not be empty')
    .describe('the program and its arguments, each passed literally: no shell, no splitting, no globbing'),
  env: z
    .record(envNameSchema, z.string().refine(noNulBytes, 'must not contain a NUL byte'))
    .default({})
    .describe('variables added to the short allow-list the process inherits (PATH, HOME, LANG, LC_ALL, TZ, TMPDIR)'),
  /** Variable name -> secret reference, resolved at call time. */
  envFromSecrets: z.record(envNameSchema, secretRefSchema).default({}).describe('variable name → secret reference, resolved at call time'),
  /** Absolute, so a step does not depend on where the worker was started. */
  cwd: z.string().refine(isAbsolute, 'must be an absolute path').optional().describe('working folder, an absolute path (default: the worker\'s)'),
  /** Written to the process's stdin, which is then closed; absent: stdin is empty. */
  stdin: z.string().optional().describe('written to the process\'s stdin, which is then closed (default: empty)'),
  /** 5 min: long enough for a restore script's step, short enough that a hung tool is noticed. */
  timeoutMs: timeoutMsSchema(5 * 60_000, 24 * 60 * 60_000).describe('the process group gets SIGTERM after this long (retryable `AdapterTimedOut`)'),
  /** Between SIGTERM and SIGKILL: time for a tool to clean up (release a lock, close a session). */
  killGraceMs: z.number().int().min(0).max(60_000).default(5_000).describe('between SIGTERM and SIGKILL, on timeout or cancel; when the worker dies, at most 1000 (the step\'s retry must not start beside it)'),
  expectExitCode: oneOrMany(z.number().int().min(0).max(255)).default(0).describe('the exit code(s) that mean success; any other fails the step (`ProcessExitCode`, retryable)'),
});

export type ExecInput = z.output<typeof execInput>;

export const execAdapter: Adapter<typeof execInput> = {
  name: 'exec',
  description: 'Runs a program from an argv array (no shell) and checks its exit code.',
  input: execInput,
  async execute(input, ctx) {
    const secretEnv: Record<string, string> = {};
    for (const [name, ref] of Object.entries(input.envFromSecrets)) secretEnv[name] = await ctx.resolveSecret(ref);
    if (ctx.signal.aborted) throw abortReason(ctx.signal);

    const result = await runProcess(input, { ...inheritedEnv(), ...input.env, ...secretEnv }, ctx);
    // Secret values in the output are redacted by the one redaction point every call passes (activities/adapter-call.ts).
    const stdout = result.stdout.text();
    const stderr = result.stderr.text();
    const output: { [key: string]: Json } = {
      exitCode: result.exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      stdout,
      stderr,
      ...(result.stdout.truncated ? { stdoutTruncated: true } : {}),
      ...(result.stderr.truncated ? { stderrTruncated: true } : {}),
      durationMs: result.durationMs,
    };
    const program = input.argv[0];

    if (result.stoppedBy === 'cancel') throw abortReason(ctx.signal);
    if (result.stoppedBy === 'timeout') {
      throw ApplicationFailure.create({
        type: FAILURES.AdapterTimedOut,
        message: `${program} still running after ${input.timeoutMs} ms; its process group was killed`,
        details: [output],
      });
    }
    const expected = asList(input.expectExitCode);
    if (result.exitCode === null || !expected.includes(result.exitCode)) {
      const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
      const lastLine = lastNonEmptyLine(stderr) ?? lastNonEmptyLine(stdout);
      throw ApplicationFailure.create({
        type: FAILURES.ProcessExitCode,
        message: `${program} ${how}, expected ${expected.join(' or ')}${lastLine ? `: ${lastLine}` : ''}`,
        details: [output],
      });
    }
    return output;
  },
};

interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: OutputCapture;
  stderr: OutputCapture;
  durationMs: number;
  /** Set when we stopped the process, not when it stopped by itself. */
  stoppedBy?: 'cancel' | 'timeout';
}

/**
 * Spawns the process and waits for it, heartbeating; stops its group on cancel or timeout.
 * @throws `ProcessSpawnFailed` (non-retryable, see the header) when it cannot start.
 */
function runProcess(input: ExecInput, env: Record<string, string>, ctx: AdapterContext): Promise<ProcessResult> {
  const program = input.argv[0];
  const startedAt = performance.now();
  const stdout = new OutputCapture(CAPTURE_HEAD_BYTES, CAPTURE_TAIL_BYTES);
  const stderr = new OutputCapture(CAPTURE_HEAD_BYTES, CAPTURE_TAIL_BYTES);

  return new Promise<ProcessResult>((resolve, reject) => {
    // Under the supervisor, in a process group of its own: the group dies with this worker (see the header).
    const run = spawnSupervised(input.argv, {
      cwd: input.cwd,
      env,
      stdio: [input.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      orphanGraceMs: Math.min(input.killGraceMs, ORPHAN_KILL_GRACE_MS),
    });
    const { supervisor } = run;
    let pid: number | undefined;
    let stoppedBy: ProcessResult['stoppedBy'];
    let drainTimer: NodeJS.Timeout | undefined;
    let exit: ProgramEnd | undefined;
    let settled = false;

    const stopHeartbeats = startHeartbeats(ctx, () => ({
      // The group (`kill -- -<processGroup>` ends it all) is known at once, the program's pid a moment later.
      processGroup: supervisor.pid ?? null,
      pid: pid ?? null,
      elapsedMs: Math.round(performance.now() - startedAt),
      stdoutBytes: stdout.totalBytes,
      stderrBytes: stderr.totalBytes,
    }));
    const stop = (reason: 'cancel' | 'timeout') => {
      if (exit || stoppedBy) return;
      stoppedBy = reason;
      run.signal('SIGTERM');
      // Not cleared when the program exits: helpers that ignored SIGTERM still get the SIGKILL.
      setTimeout(() => run.signal('SIGKILL'), input.killGraceMs).unref();
    };
    const onAbort = () => stop('cancel');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer = setTimeout(() => stop('timeout'), input.timeoutMs);

    const cleanUp = () => {
      settled = true;
      stopHeartbeats();
      clearTimeout(timeoutTimer);
      clearTimeout(drainTimer);
      ctx.signal.removeEventListener('abort', onAbort);
    };
    const finish = () => {
      if (settled || !exit) return;
      cleanUp();
      supervisor.stdout?.destroy();
      supervisor.stderr?.destroy();
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        stdout,
        stderr,
        durationMs: Math.round(performance.now() - startedAt),
        stoppedBy,
      });
    };

    supervisor.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    supervisor.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    run.started.then(
      (started) => (pid = started),
      (err: NodeJS.ErrnoException) => {
        if (settled) return;
        cleanUp();
        reject(
          ApplicationFailure.create({
            type: FAILURES.ProcessSpawnFailed,
            message: `cannot start ${program}${input.cwd ? ` in ${input.cwd}` : ''}: ${err.code ?? err.message}`,
            nonRetryable: true,
          }),
        );
      },
    );
    let closed = false;
    void run.ended.then((end) => {
      if (settled) return;
      exit = end;
      if (closed) finish();
      else drainTimer = setTimeout(finish, STDIO_DRAIN_MS);
    });
    supervisor.on('close', () => {
      closed = true;
      finish();
    });

    if (input.stdin !== undefined && supervisor.stdin) {
      // EPIPE when the program exits without reading its input is not an error of the step.
      supervisor.stdin.on('error', () => undefined);
      supervisor.stdin.end(input.stdin);
    }
  });
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split('\n').map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]) return lines[i].slice(0, 300);
  return undefined;
}
