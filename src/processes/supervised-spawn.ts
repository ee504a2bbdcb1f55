/**
 * Starts a program under the supervisor (supervisor.ts) so that it dies with this process, however
 * this process ends: a SIGKILLed worker leaves no `exec` step's process behind to run on beside its
 * retry, a SIGKILLed `drillbook dev` no Temporal server holding its ports. What a program started
 * itself is in the same process group and goes with it.
 *
 * The supervisor leads the program's process group; `signal()` reaches the whole group (the
 * supervisor waits out SIGTERM to report how the program ended). The supervisor's stdin, stdout and
 * stderr are the program's. Argv arrays only, never a shell string.
 */
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { nodeModuleArgv } from '../threads/start-worker';
import type { SupervisorMessage, SupervisorStart } from './supervisor';

export interface SupervisedOptions {
  /** The program's working folder (a missing one fails the start with ENOENT). */
  cwd?: string;
  /** The program's whole environment: it inherits nothing else. */
  env: Record<string, string>;
  /** stdin, stdout, stderr: a pipe to this process, nothing, or a file descriptor. */
  stdio: [IOType | number, IOType | number, IOType | number];
  /** After this process dies, how long the program gets between SIGTERM and SIGKILL. */
  orphanGraceMs: number;
}

/** How the program ended: an exit code, or the signal that killed it. */
export interface ProgramEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedProcess {
  /** The supervisor; its stdin/stdout/stderr streams are the program's. */
  supervisor: ChildProcess;
  /** The program's pid; rejects with an error whose `code` says why it could not start (ENOENT, EACCES, …). */
  started: Promise<number>;
  /** How the program ended (settles after `started`, also when it never started). */
  ended: Promise<ProgramEnd>;
  /** Sends `signal` to the program's process group; a group already gone is fine. */
  signal(signal: NodeJS.Signals): void;
}

export function spawnSupervised(argv: string[], opts: SupervisedOptions): SupervisedProcess {
  const supervisor = spawn(process.execPath, [...nodeModuleArgv(__dirname, 'supervisor'), String(opts.orphanGraceMs), '--', ...argv], {
    shell: false,
    cwd: opts.cwd,
    // Nothing of ours: the program's environment goes by the channel, not through the supervisor's.
    env: {},
    // A process group of its own, led by the supervisor: one signal reaches all the program started.
    detached: true,
    stdio: [...opts.stdio, 'ipc'],
  });

  let reported: ProgramEnd | undefined;
  let settleStart: { resolve(pid: number): void; reject(err: Error): void } | undefined;
  const started = new Promise<number>((resolve, reject) => (settleStart = { resolve, reject }));
  started.catch(() => undefined); // a caller that awaits only `ended` leaves no unhandled rejection
  const failStart = (code: string) => settleStart!.reject(Object.assign(new Error(`cannot start ${argv[0]}: ${code}`), { code }));

  supervisor.on('message', (message: SupervisorMessage) => {
    if ('started' in message) settleStart!.resolve(message.started);
    else if ('spawnError' in message) failStart(message.spawnError);
    else if ('exited' in message) reported = message.exited;
  });
  supervisor.once('spawn', () => supervisor.send({ env: opts.env } satisfies SupervisorStart));

  const ended = new Promise<ProgramEnd>((resolve) => {
    supervisor.once('error', (err: NodeJS.ErrnoException) => {
      if (supervisor.pid !== undefined) return; // a failed kill, not a failed start
      failStart(err.code ?? err.message);
      resolve({ code: null, signal: null });
    });
    // The channel's messages are all read when it closes: wait for both, the order is not fixed.
    let exit: ProgramEnd | undefined;
    let disconnected = false;
    const settle = () => {
      if (!exit || !disconnected) return;
      failStart('the supervisor ended before the program started'); // no effect once started
      resolve(reported ?? exit);
    };
    supervisor.once('exit', (code, signal) => {
      exit = { code, signal };
      settle();
    });
    supervisor.once('disconnect', () => {
      disconnected = true;
      settle();
    });
  });

  return {
    supervisor,
    started,
    ended,
    signal(signal) {
      if (supervisor.pid === undefined) return;
      try {
        process.kill(-supervisor.pid, signal);
      } catch {
        // ESRCH: nothing left to signal.
      }
    },
  };
}
