/**
 * CPU time spent by the three parties of a case, from /proc (Linux): the Temporal server, PostgreSQL
 * (every `postgres` process) and this process (the workers, their workflow threads, the client). On 2
 * shared cores wall time hides who did the work; CPU seconds per side say where an extra cost lands.
 * Processes that exit between two readings take their CPU time with them (pool connections stay).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSeconds {
  temporal: number;
  postgres: number;
  bench: number;
}

/** USER_HZ: clock ticks per second of /proc's utime and stime; 100 on Linux. */
const TICKS_PER_SECOND = 100;

export function cpuNow(): CpuSeconds {
  const total: CpuSeconds = { temporal: 0, postgres: 0, bench: 0 };
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return total; // not Linux: no figures
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // `pid (comm) state ppid ...`: comm may hold spaces, so split after its closing parenthesis.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const party = Number(pid) === process.pid ? 'bench' : comm === 'temporal' ? 'temporal' : comm === 'postgres' ? 'postgres' : undefined;
    if (!party) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, i.e. 12 and 13 after `state`.
    total[party] += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
  return total;
}

/** Never below 0: a process that exited meanwhile would otherwise subtract its whole life. */
export function cpuSince(before: CpuSeconds): CpuSeconds {
  const now = cpuNow();
  const delta = (party: keyof CpuSeconds) => Math.max(0, now[party] - before[party]);
  return { temporal: delta('temporal'), postgres: delta('postgres'), bench: delta('bench') };
}
