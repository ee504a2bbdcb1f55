/**
 * The lab's files under its root: data folders, logs, the daemon's pid file, and the switch and
 * inventory state the daemon persists so that a restarted daemon resumes where it was (a crash
 * must not silently send traffic back to site A).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SiteCapacitySchema, SiteIdSchema, type LabConfig, type SiteCapacity, type SiteId } from './config';

export interface LabPaths {
  root: string;
  socketDir: string;
  siteDir: Record<SiteId, string>;
  dataDir: Record<SiteId, string>;
  postgresLog: Record<SiteId, string>;
  scratchDir: string;
  scratchDataDir: string;
  scratchLog: string;
  configFile: string;
  daemonPidFile: string;
  daemonLog: string;
  daemonStateFile: string;
  /** Faults injected on purpose (`drillbook lab kill-primary`), one JSON line each. */
  faultLog: string;
}

export function labPaths(config: LabConfig): LabPaths {
  const root = config.rootDir;
  const site = (id: SiteId) => path.join(root, id);
  return {
    root,
    socketDir: path.join(root, 'sockets'),
    siteDir: { 'site-a': site('site-a'), 'site-b': site('site-b') },
    dataDir: { 'site-a': path.join(site('site-a'), 'data'), 'site-b': path.join(site('site-b'), 'data') },
    postgresLog: {
      'site-a': path.join(site('site-a'), 'postgres.log'),
      'site-b': path.join(site('site-b'), 'postgres.log'),
    },
    scratchDir: path.join(root, 'scratch'),
    scratchDataDir: path.join(root, 'scratch', 'data'),
    scratchLog: path.join(root, 'scratch', 'postgres.log'),
    configFile: path.join(root, 'lab-config.json'),
    daemonPidFile: path.join(root, 'lab-daemon.pid'),
    daemonLog: path.join(root, 'lab-daemon.log'),
    daemonStateFile: path.join(root, 'lab-daemon-state.json'),
    faultLog: path.join(root, 'lab-faults.log'),
  };
}

const DaemonStateSchema = z.strictObject({
  target: SiteIdSchema,
  fenced: z.array(SiteIdSchema),
  capacity: z.strictObject({ 'site-a': SiteCapacitySchema, 'site-b': SiteCapacitySchema }),
});
/** The switch target, fenced sites and reported capacity: what the daemon keeps across restarts. */
export type DaemonState = z.infer<typeof DaemonStateSchema>;

export function initialDaemonState(config: LabConfig): DaemonState {
  return { target: 'site-a', fenced: [], capacity: structuredClone(config.capacity) as Record<SiteId, SiteCapacity> };
}

/** The persisted state, or the initial one when there is none or it is unreadable. */
export function readDaemonState(config: LabConfig): DaemonState {
  const file = labPaths(config).daemonStateFile;
  if (!existsSync(file)) return initialDaemonState(config);
  const parsed = DaemonStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : initialDaemonState(config);
}

/** Written to a temporary file and renamed, so a crash never leaves half a state file. */
export function writeDaemonState(config: LabConfig, state: DaemonState): void {
  const file = labPaths(config).daemonStateFile;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The pid in a pid file if that process is alive, else undefined. */
export function livePid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0].trim());
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
}

/** False for a zombie too: a dead postmaster whose parent never reaps it still answers kill(0). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (still alive).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync('/proc/self') ? false : true;
  }
}
