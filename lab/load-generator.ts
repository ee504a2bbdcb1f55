/**
 * The load generator: a bank customer's view of a failover. It writes transfers, one at a time at
 * a steady rate, through the traffic switch, each with the next number of a monotonically
 * increasing sequence, and reconnects at once (short connect timeout) whenever a write fails.
 *
 * What it reports is what a customer saw:
 * - client-side RTO: the longest window with no acknowledged write (`longestWriteGapMs`);
 * - client-side RPO: acknowledged writes (COMMIT returned OK) missing from the current primary at
 *   the end (`missingCommitted`);
 * writes sent without an answer are counted apart (they may or may not have committed), and so are
 * writes the server refused (e.g. a standby is read-only: surely not committed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

export interface LoadOptions {
  /** Where to write: normally the traffic switch (`switchConnectionString(config)`). */
  connectionString: string;
  /** Writes per second (one in flight at a time). Default 200: a 5 ms resolution for the RTO. */
  ratePerSec?: number;
  /** Stop after this long; or stop with `signal`, or the handle's `stop()`. */
  durationMs?: number;
  signal?: AbortSignal;
  /** Default 100 ms: a dead site costs a client no more than this per attempt. */
  connectTimeoutMs?: number;
  /** A write unanswered after this long is given up (counted as no answer). Default 2000 ms. */
  writeTimeoutMs?: number;
  /** Where to look for the acknowledged writes at the end. Default: `connectionString`. */
  verifyConnectionString?: string;
  /** How long to keep trying to reach the primary for that check (it may be mid-switch). Default 15 s. */
  verifyTimeoutMs?: number;
  /** Set false to skip the final check (then `missingCommitted` is empty and `verified` false). */
  verify?: boolean;
  /** Write gaps at least this long are listed in `writeGaps` (default 50 ms, ten writes at 200/s). */
  gapThresholdMs?: number;
}

export interface WriteGap {
  /** Last acknowledged write before the gap (or the start) and first one after it (or the end). */
  from: string;
  to: string;
  ms: number;
}

export interface LoadReport {
  startedAt: string;
  endedAt: string;
  /** Writes sent to a server. */
  attempted: number;
  /** Writes whose COMMIT was acknowledged. */
  committed: number;
  /** Writes sent that got no answer (connection lost or timed out): their fate is unknown. */
  failedNoAnswer: number;
  /** Writes the server answered with an error: not committed. */
  rejected: number;
  /** Connection attempts that failed (refused, reset, timed out). */
  connectFailures: number;
  /** Client-side RTO: the longest window with no acknowledged write. */
  longestWriteGapMs: number;
  longestWriteGap: WriteGap | null;
  /**
   * Every window of at least `gapThresholdMs` with no acknowledged write, in order: a cycle of
   * several failovers shows one per switch, so each can be matched with the run that caused it.
   */
  writeGaps: WriteGap[];
  firstSeq: number | null;
  lastSeq: number | null;
  committedSeqs: number[];
  noAnswerSeqs: number[];
  /** Client-side RPO: acknowledged writes absent from the primary at the end. */
  missingCommitted: number[];
  /** Writes with no answer that turned out to be committed. */
  noAnswerButCommitted: number;
  verified: boolean;
  verifyError?: string;
}

/** The running counts, while the load goes on. */
export type LoadProgress = Pick<LoadReport, 'attempted' | 'committed' | 'failedNoAnswer' | 'rejected' | 'connectFailures' | 'longestWriteGapMs'> & {
  /** Milliseconds since the last acknowledged write. */
  msSinceLastCommit: number | null;
};

export interface LoadHandle {
  /** Stops writing, checks the acknowledged writes, and resolves with the report. */
  stop(): Promise<LoadReport>;
  /** Resolves when the load ends by itself (duration or signal), with the report. */
  readonly done: Promise<LoadReport>;
  progress(): LoadProgress;
}

const INSERT_TRANSFER =
  'INSERT INTO transfers (seq, from_acct, to_acct, amount) VALUES ($1, $2, $3, $4)';

async function connect(connectionString: string, connectTimeoutMs: number, queryTimeoutMs?: number): Promise<Client> {
  const client = new Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs, query_timeout: queryTimeoutMs });
  // The switch closes sessions on purpose: without a listener that 'error' would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    void client.end().catch(() => undefined);
    throw error;
  }
}

/** A server's answer carries a SQLSTATE; a lost connection or a timeout does not. */
function isServerAnswer(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Starts writing at once; see LoadHandle. */
export function startLoad(options: LoadOptions): LoadHandle {
  const ratePerSec = options.ratePerSec ?? 200;
  const intervalMs = 1000 / ratePerSec;
  const connectTimeoutMs = options.connectTimeoutMs ?? 100;
  const writeTimeoutMs = options.writeTimeoutMs ?? 2000;
  const stopController = new AbortController();
  const stopSignal = options.signal ? AbortSignal.any([options.signal, stopController.signal]) : stopController.signal;

  const counts = { attempted: 0, committed: 0, failedNoAnswer: 0, rejected: 0, connectFailures: 0 };
  const committedSeqs: number[] = [];
  const noAnswerSeqs: number[] = [];
  let longestGap: WriteGap | null = null;
  const writeGaps: WriteGap[] = [];
  const gapThresholdMs = options.gapThresholdMs ?? 50;
  let lastAck: { perf: number; wall: number } | undefined;
  const startedPerf = performance.now();
  const startedWall = Date.now();

  const noteGap = (nowPerf: number, nowWall: number) => {
    const from = lastAck ?? { perf: startedPerf, wall: startedWall };
    const ms = nowPerf - from.perf;
    const gap = { from: new Date(from.wall).toISOString(), to: new Date(nowWall).toISOString(), ms };
    if (ms >= gapThresholdMs) writeGaps.push({ ...gap, ms: Math.round(ms * 10) / 10 });
    if (!longestGap || ms > longestGap.ms) longestGap = gap;
  };

  const run = async (): Promise<LoadReport> => {
    const durationTimer = options.durationMs !== undefined ? setTimeout(() => stopController.abort(), options.durationMs) : undefined;
    let client: Client | undefined;
    let nextSeq: number | undefined;
    let nextDue = performance.now();
    try {
      while (!stopSignal.aborted) {
        if (!client) {
          try {
            client = await connect(options.connectionString, connectTimeoutMs, writeTimeoutMs);
          } catch {
            counts.connectFailures += 1;
            // A refused connection fails in well under a millisecond: do not spin.
            await sleep(5);
            continue;
          }
        }
        if (nextSeq === undefined) {
          try {
            const { rows } = await client.query<{ max: string }>('SELECT coalesce(max(seq), 0)::text AS max FROM transfers');
            nextSeq = Number(rows[0].max) + 1;
          } catch {
            void client.end().catch(() => undefined);
            client = undefined;
            continue;
          }
        }
        const seq = nextSeq++;
        counts.attempted += 1;
        try {
          await client.query(INSERT_TRANSFER, [seq, `ACC-${seq % 997}`, `ACC-${(seq * 7) % 997}`, ((seq % 5000) + 1) / 100]);
          const nowPerf = performance.now();
          const nowWall = Date.now();
          if (lastAck) noteGap(nowPerf, nowWall);
          lastAck = { perf: nowPerf, wall: nowWall };
          counts.committed += 1;
          committedSeqs.push(seq);
        } catch (error) {
          if (isServerAnswer(error)) {
            counts.rejected += 1;
          } else {
            counts.failedNoAnswer += 1;
            noAnswerSeqs.push(seq);
          }
          // The session may be dying (switch closed it, server shutting down): start afresh.
          void client.end().catch(() => undefined);
          client = undefined;
          continue;
        }
        nextDue += intervalMs;
        const now = performance.now();
        if (nextDue > now) await sleep(nextDue - now);
        // After an outage, do not burst to catch up: keep the steady rate from now on.
        else if (now - nextDue > intervalMs) nextDue = now;
      }
    } finally {
      if (durationTimer) clearTimeout(durationTimer);
      if (client) await client.end().catch(() => undefined);
    }
    // A window still open at the end counts too (the load stopped during an outage).
    if (lastAck) noteGap(performance.now(), Date.now());
    const endedAt = new Date().toISOString();

    const report: LoadReport = {
      startedAt: new Date(startedWall).toISOString(),
      endedAt,
      ...counts,
      longestWriteGapMs: longestGap ? Math.round((longestGap as WriteGap).ms * 10) / 10 : 0,
      longestWriteGap: longestGap,
      writeGaps,
      firstSeq: committedSeqs[0] ?? noAnswerSeqs[0] ?? null,
      lastSeq: nextSeq === undefined ? null : nextSeq - 1,
      committedSeqs,
      noAnswerSeqs,
      missingCommitted: [],
      noAnswerButCommitted: 0,
      verified: false,
    };
    if (options.verify !== false && committedSeqs.length + noAnswerSeqs.length > 0) {
      try {
        const present = await presentSeqs(
          options.verifyConnectionString ?? options.connectionString,
          [...committedSeqs, ...noAnswerSeqs],
          options.verifyTimeoutMs ?? 15_000,
        );
        report.missingCommitted = committedSeqs.filter((seq) => !present.has(seq));
        report.noAnswerButCommitted = noAnswerSeqs.filter((seq) => present.has(seq)).length;
        report.verified = true;
      } catch (error) {
        report.verifyError = (error as Error).message;
      }
    }
    return report;
  };

  const done = run();
  return {
    done,
    stop: () => {
      stopController.abort();
      return done;
    },
    progress: () => ({
      ...counts,
      longestWriteGapMs: longestGap ? (longestGap as WriteGap).ms : 0,
      msSinceLastCommit: lastAck ? performance.now() - lastAck.perf : null,
    }),
  };
}

/** Writes until `durationMs` passes or `signal` aborts, then reports. */
export function runLoad(options: LoadOptions & ({ durationMs: number } | { signal: AbortSignal })): Promise<LoadReport> {
  return startLoad(options).done;
}

/**
 * Which of `seqs` exist in `transfers` at `connectionString`, retrying the connection until
 * `timeoutMs` (the primary may be between sites). Throws when it cannot be reached in time.
 */
export async function presentSeqs(connectionString: string, seqs: number[], timeoutMs = 15_000): Promise<Set<number>> {
  if (seqs.length === 0) return new Set();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const client = await connect(connectionString, 1000, 10_000);
      try {
        const { rows } = await client.query<{ seq: string }>('SELECT seq::text FROM transfers WHERE seq = ANY($1::bigint[])', [seqs]);
        return new Set(rows.map((row) => Number(row.seq)));
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`cannot check transfers at ${connectionString}: ${(error as Error).message}`);
      await sleep(50);
    }
  }
}

/** The acknowledged sequence numbers absent at `connectionString` (e.g. after a failback). */
export async function findMissingSeqs(connectionString: string, committedSeqs: number[], timeoutMs?: number): Promise<number[]> {
  const present = await presentSeqs(connectionString, committedSeqs, timeoutMs);
  return committedSeqs.filter((seq) => !present.has(seq));
}
