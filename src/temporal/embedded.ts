/**
 * Which Temporal to talk to: TEMPORAL_ADDRESS when set; otherwise the embedded dev server that
 * `drillbook dev` (or the demo) started, found through a small state file in the data folder.
 */
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import { endProcess, isRunning, processId } from '../processes/process-identity';
import { startDevServer } from './dev-server';
import { embeddedStatus, readEmbeddedState, removeEmbeddedState, writeEmbeddedState, type EmbeddedState } from './embedded-state';

/** How long an orphaned server gets to stop on SIGTERM before SIGKILL (as its supervisor gives it). */
const END_GRACE_MS = 10_000;
/** How long a server found running has to answer before it counts as unhealthy. */
const HEALTH_TIMEOUT_MS = 5_000;

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

/** Whether a Temporal frontend answers at `address` (an RPC, not only an open port: a stopped process's port still accepts). */
async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: HEALTH_TIMEOUT_MS });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** The embedded dev server already running for this data folder, if any. */
export async function findEmbeddedServer(config: Config): Promise<EmbeddedState | undefined> {
  const state = readEmbeddedState(config);
  return state && (await reachable(state.address)) ? state : undefined;
}

/** A dev server this process must stop when it ends: one it started, or an orphan it adopted. */
export interface OwnedServer {
  address: string;
  uiAddress?: string;
  stop(): Promise<void>;
}

/** Starts the embedded dev server on the data folder's SQLite file and records where it listens and who owns it. */
export async function startEmbeddedServer(config: Config): Promise<OwnedServer> {
  const server = await startDevServer({
    dbFile: config.temporalDbFile,
    port: config.DRILLBOOK_TEMPORAL_PORT,
    uiPort: config.DRILLBOOK_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    logFile: path.join(config.dataDir, 'temporal', 'dev-server.log'),
  });
  writeEmbeddedState(config, {
    address: server.address,
    uiAddress: server.uiAddress,
    pid: server.server.pid,
    startTime: server.server.startTime,
    supervisor: server.supervisor,
    owner: processId(process.pid),
  });
  return {
    address: server.address,
    uiAddress: server.uiAddress,
    stop: async () => {
      await server.stop();
      removeEmbeddedState(config);
    },
  };
}

/** Takes over an orphaned server: this process owns it now (its record says so) and stops it at its end. */
function adopt(config: Config, state: EmbeddedState): OwnedServer {
  writeEmbeddedState(config, { ...state, supervisor: undefined, owner: processId(process.pid) });
  return {
    address: state.address,
    uiAddress: state.uiAddress,
    stop: async () => {
      await endProcess({ pid: state.pid, startTime: state.startTime }, END_GRACE_MS);
      removeEmbeddedState(config);
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

/** Temporal for a command that runs its own worker, and what it found in the data folder (for stderr). */
export interface EnsuredTemporal {
  address: string;
  uiAddress?: string;
  /** Set when this process started the server or adopted an orphaned one: it must `stop()` it. */
  started?: OwnedServer;
  notice?: string;
}

/**
 * Temporal for a command that needs a server and runs its own worker: TEMPORAL_ADDRESS, else the
 * embedded server of this data folder, else a new embedded server that the caller must `stop()`.
 *
 * A server whose drillbook still runs is shared and left to it. One whose drillbook was killed
 * (SIGKILL leaves no chance to stop it) is normally ended by its supervisor within seconds: that end
 * is waited for. One left with no supervisor either (both killed, or an older drillbook's) is adopted
 * if it answers, and stopped by this process at its end, or ended if it does not, so it never holds
 * its ports and its SQLite file with nobody to stop it.
 */
export async function ensureTemporal(config: Config): Promise<EnsuredTemporal> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS };
  const state = readEmbeddedState(config);
  const status = state && embeddedStatus(state);
  if (state && (status === 'owned' || status === 'unowned') && (await reachable(state.address))) {
    return { address: state.address, uiAddress: state.uiAddress };
  }
  let notice: string | undefined;
  if (state && status === 'ending') {
    await endProcess({ pid: state.pid, startTime: state.startTime }, END_GRACE_MS + 5_000);
    notice = `${leftBy(state)} was being ended by its supervisor; it has ended: starting a new one`;
  } else if (state && status === 'orphaned') {
    if (await answers(state.address)) {
      return { address: state.address, uiAddress: state.uiAddress, started: adopt(config, state), notice: `reusing ${leftBy(state)}: it answers; this drillbook stops it at its end` };
    }
    await endProcess({ pid: state.pid, startTime: state.startTime }, END_GRACE_MS);
    notice = `ended ${leftBy(state)}: it did not answer within ${HEALTH_TIMEOUT_MS / 1000} s; starting a new one`;
  } else if (state && status === 'gone' && state.owner && !isRunning(state.owner)) {
    notice = `${leftBy(state)} was ended by its supervisor: starting a new one`;
  }
  if (state) removeEmbeddedState(config);
  const started = await startEmbeddedServer(config);
  return { address: started.address, uiAddress: started.uiAddress, started, notice };
}

/** Names a recorded server and the drillbook that ended without stopping it. */
function leftBy(state: EmbeddedState): string {
  const owner = state.owner ? ` (pid ${state.owner.pid})` : '';
  return `the Temporal dev server (pid ${state.pid}, ${state.address}) of a drillbook that ended without stopping it${owner}`;
}
