/**
 * Which Temporal to talk to: TEMPORAL_ADDRESS when set; otherwise the embedded dev server that
 * `drillbook dev` (or the demo) started, found through a small state file in the data folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config/config';
import { startDevServer, type DevServer } from './dev-server';

interface EmbeddedState {
  address: string;
  uiAddress?: string;
  pid: number;
}

function stateFile(config: Config): string {
  return path.join(config.dataDir, 'temporal', 'dev-server.json');
}

function reachable(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The embedded dev server already running for this data folder, if any. */
export async function findEmbeddedServer(config: Config): Promise<EmbeddedState | undefined> {
  const file = stateFile(config);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedState;
  return (await reachable(state.address)) ? state : undefined;
}

/** Starts the embedded dev server on the data folder's SQLite file and records where it listens. */
export async function startEmbeddedServer(config: Config): Promise<DevServer> {
  mkdirSync(path.dirname(stateFile(config)), { recursive: true });
  const server = await startDevServer({
    dbFile: config.temporalDbFile,
    port: config.DRILLBOOK_TEMPORAL_PORT,
    uiPort: config.DRILLBOOK_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    logFile: path.join(config.dataDir, 'temporal', 'dev-server.log'),
  });
  writeFileSync(stateFile(config), JSON.stringify({ address: server.address, uiAddress: server.uiAddress, pid: server.process.pid }));
  const stop = server.stop;
  return {
    ...server,
    stop: async () => {
      await stop();
      rmSync(stateFile(config), { force: true });
    },
  };
}

/** The address to connect to, or an Error saying how to get one. */
export async function resolveTemporalAddress(config: Config): Promise<string> {
  if (config.TEMPORAL_ADDRESS) return config.TEMPORAL_ADDRESS;
  const embedded = await findEmbeddedServer(config);
  if (embedded) return embedded.address;
  // Something drillbook did not start (no state file of this data folder) may listen on the port:
  // say so, instead of claiming there is no server.
  const port = `127.0.0.1:${config.DRILLBOOK_TEMPORAL_PORT}`;
  if (await reachable(port)) {
    throw new Error(
      `TEMPORAL_ADDRESS is not set and no embedded Temporal server of this data folder (${config.dataDir}) runs, ` +
        `but something drillbook did not start listens on ${port} (DRILLBOOK_TEMPORAL_PORT): if it is a Temporal server, set TEMPORAL_ADDRESS=${port}`,
    );
  }
  throw new Error('no Temporal server: start one with `drillbook dev` (embedded) or set TEMPORAL_ADDRESS');
}

/**
 * Temporal for a command that needs a server and runs its own worker: TEMPORAL_ADDRESS, else the
 * embedded server already running, else a new embedded server that the caller must `stop()`.
 */
export async function ensureTemporal(config: Config): Promise<{ address: string; uiAddress?: string; started?: DevServer }> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS };
  const existing = await findEmbeddedServer(config);
  if (existing) return { address: existing.address, uiAddress: existing.uiAddress };
  const started = await startEmbeddedServer(config);
  return { address: started.address, uiAddress: started.uiAddress, started };
}
