/**
 * One process, named across time: its pid and its start time (Linux: /proc/<pid>/stat, field 22,
 * clock ticks since boot). A pid in a file written by a process that was since SIGKILLed may name
 * another process by now; pid and start time together do not. Where /proc is missing, the start time
 * is unknown and the pid alone is trusted.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ProcessId {
  pid: number;
  /** Absent where it cannot be read (no /proc). */
  startTime?: string;
}

/** `pid` as a ProcessId, or undefined when no such process runs (a zombie is not running). */
export function processId(pid: number): ProcessId | undefined {
  const stat = readStat(pid);
  if (stat === null) return undefined;
  if (stat === undefined) return isSignalable(pid) ? { pid } : undefined;
  return stat.state === 'Z' ? undefined : { pid, startTime: stat.startTime };
}

/** Whether the process `id` names still runs: same pid, same start time (when both are known). */
export function isRunning(id: ProcessId): boolean {
  const now = processId(id.pid);
  return now !== undefined && (id.startTime === undefined || now.startTime === undefined || now.startTime === id.startTime);
}

/** Sends `signal` to `id` if it still runs (never to a process that took its pid); false if it did not. */
export function signalProcess(id: ProcessId, signal: NodeJS.Signals): boolean {
  if (!isRunning(id)) return false;
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends `id` (not a child of ours, so no exit event): SIGTERM, then SIGKILL after `graceMs`.
 * Resolves once it no longer runs.
 */
export async function endProcess(id: ProcessId, graceMs: number): Promise<void> {
  // SIGCONT too: a stopped process acts on SIGTERM only once it runs again.
  if (!signalProcess(id, 'SIGTERM')) return;
  signalProcess(id, 'SIGCONT');
  const killAt = Date.now() + graceMs;
  while (isRunning(id)) {
    if (Date.now() >= killAt) signalProcess(id, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** null: no such process; undefined: no /proc to ask. */
function readStat(pid: number): { state: string; startTime: string } | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return existsSync('/proc/self/stat') ? null : undefined;
  }
  // After the command name (in parentheses, which may hold spaces): field 3 (state) onwards.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTime: fields[19] };
}

function isSignalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
