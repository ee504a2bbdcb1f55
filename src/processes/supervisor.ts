/**
 * The supervisor: a small Node process between drillbook and a program it runs (an `exec` step's
 * process, the embedded Temporal dev server), so that the program dies with the drillbook process
 * that started it, even when that one is SIGKILLed. Started by supervised-spawn.ts, never by hand.
 *
 * Why a process of its own: a SIGKILLed process runs no exit handler, so it cannot stop its children;
 * Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is out of Node's reach without a native addon
 * and reaches only the direct child, not what a shell started. What every OS does give: when a
 * process dies, the kernel closes its end of every pipe. The supervisor holds the other end of an IPC
 * channel to its parent; the channel closing (`disconnect`) is the parent's death, whatever killed it.
 *
 *   node supervisor.js <orphanGraceMs> -- <program> <arg>…     (env, cwd: inherited as spawned)
 *
 * It leads a process group of its own (its parent spawns it detached) and starts the program in that
 * group, on its own stdin/stdout/stderr, with the environment the parent sends as its first message
 * (so the program's variables never pass through the supervisor's command line, and a NODE_OPTIONS
 * among them is the program's, not the supervisor's). It tells the parent `{ started: pid }` or
 * `{ spawnError: code }`, then `{ exited: { code, signal } }`, and exits. A SIGTERM/SIGINT/SIGHUP sent
 * to the group (the parent stopping the program) is the program's to handle: the supervisor outlives
 * it to report how it ended. When the channel closes while the program runs, it sends the group
 * SIGTERM and, `orphanGraceMs` later, SIGKILL, which ends the supervisor too.
 *
 * Imports Node's built-ins only: it starts once per step.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** What the parent sends once: the program's environment. */
export interface SupervisorStart {
  env: Record<string, string>;
}

/** What the supervisor tells its parent. */
export type SupervisorMessage =
  | { started: number }
  | { spawnError: string }
  | { exited: { code: number | null; signal: NodeJS.Signals | null } };

function main(argv: string[]): void {
  const separator = argv.indexOf('--');
  const orphanGraceMs = Number(argv[0]);
  const [program, ...args] = argv.slice(separator + 1);
  if (separator !== 1 || !Number.isFinite(orphanGraceMs) || !program || !process.send) {
    process.stderr.write('usage (from supervised-spawn.ts, with an IPC channel): supervisor <orphanGraceMs> -- <program> [arg…]\n');
    process.exit(64);
  }
  // The group's signals are the program's to act on; the supervisor stays to report its end.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);

  let child: ChildProcess | undefined;
  let ended = false;
  const tell = (message: SupervisorMessage, then?: () => void) => {
    if (!process.connected) return then?.();
    process.send!(message, undefined, {}, () => then?.());
  };
  const endOrphan = () => {
    if (ended) return;
    ended = true;
    signalOwnGroup('SIGTERM');
    // Helpers that ignored SIGTERM get SIGKILL too; so does the supervisor, which is in the group.
    setTimeout(() => signalOwnGroup('SIGKILL'), orphanGraceMs);
  };
  process.on('disconnect', () => {
    if (child) endOrphan();
    else process.exit(0); // the parent died before sending the start: nothing was started
  });
  process.once('message', (start: SupervisorStart) => {
    child = spawn(program, args, { shell: false, env: start.env, stdio: 'inherit' });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child?.pid !== undefined) return; // a failed kill of a dead process, not a failed start
      ended = true;
      tell({ spawnError: err.code ?? err.message }, () => process.exit(127));
    });
    child.once('spawn', () => tell({ started: child!.pid! }));
    child.once('exit', (code, signal) => {
      if (ended) return; // orphaned: the group's SIGKILL ends the supervisor after the grace
      ended = true;
      tell({ exited: { code, signal } }, () => process.exit(code ?? 128));
    });
  });
}

function signalOwnGroup(signal: NodeJS.Signals): void {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

if (require.main === module) main(process.argv.slice(2));
