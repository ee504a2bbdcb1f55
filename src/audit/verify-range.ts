/**
 * The chain check itself, over any source of rows (a `ChainReader` reading one snapshot): walks the
 * chains of one scope (one chain, a range of chain ids, or all) in (chain_id, seq) order and stops at
 * the first break. Free of Kysely and of the database module, so a worker thread loads little.
 */
import { bodyHasHeader, type EventBody } from './event-body';
import { chainHash, GENESIS_HASH } from './hash-chain';

export interface ChainBreak {
  chainId: string;
  runId: string | null;
  /** The event's seq; for a head that disagrees, the chain's last event (0 if it has none). */
  seq: number;
  /** null when no event row is at fault (a head without events). */
  eventId: string | null;
  key: string | null;
  type: string | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Chains checked (up to the break). */
  chains: number;
  /** Events checked (up to the break). */
  events: number;
  firstBreak?: ChainBreak;
}

/**
 * Which chains to walk: one chain, or the chain ids in [from, to) as PostgreSQL orders them (either
 * bound may be absent). Bounds are compared by the database only, so the ranges and the walk's
 * order use one collation.
 */
export interface ChainScope {
  chainId?: string;
  from?: string;
  to?: string;
}

/**
 * An event as the verifier reads it: PostgreSQL's text of its columns, as pg's array row mode gives
 * them (no object per row on the hot path); `at` in microseconds since the epoch, so a sub-millisecond
 * change is seen too. Without `id`: only a break needs it (`ChainReader.eventId`).
 */
export type EventRow = [
  chain_id: string, seq: string, key: string, type: string, run_id: string | null, step_id: string | null,
  actor: string, body: string, prev_hash: string, hash: string, at_us: string,
];
/** The columns in EventRow's order, for a page query. */
export const EVENT_COLUMNS = ['chain_id', 'seq', 'key', 'type', 'run_id', 'step_id', 'actor', 'body', 'prev_hash', 'hash', 'at_us'] as const;
const CHAIN_ID = 0, SEQ = 1, KEY = 2, TYPE = 3, RUN_ID = 4, STEP_ID = 5, ACTOR = 6, BODY = 7, PREV_HASH = 8, HASH = 9, AT_US = 10;

/** Where the verifier reads pages of events, chain heads and orphan heads from (one snapshot). */
export interface ChainReader {
  /** Up to `batchSize` events of `scope` in (chain_id, seq) order, after `after`'s (chain_id, seq). */
  page(scope: ChainScope, after: EventRow | null, batchSize: number): Promise<EventRow[]>;
  /** The id of the event at (chainId, seq), for a break. */
  eventId(chainId: string, seq: string): Promise<string | null>;
  heads(ids: string[]): Promise<Array<{ chain_id: string; last_seq: string | number; last_hash: string }>>;
  headWithoutEvents(chainId: string | undefined): Promise<{ chain_id: string; last_seq: string | number } | undefined>;
}

interface Head {
  lastSeq: number;
  lastHash: string;
}

/**
 * Checks every event of the chains in `scope` and each chain's head; not the heads without events
 * (`findHeadWithoutEvents`, once per verification, after all events hold). Counts as the whole
 * verification does: a chain is counted when its first event is read, an event when it holds.
 */
export async function walkChains(reader: ChainReader, scope: ChainScope, batchSize: number): Promise<VerifyResult> {
  let chains = 0;
  let events = 0;
  // The chain being walked, carried across pages.
  let chainId: string | null = null;
  let last: EventRow | null = null;
  let lastSeq = 0;
  let prevHash = GENESIS_HASH;
  let heads = new Map<string, Head>();

  const closeChain = (): Omit<ChainBreak, 'eventId'> | undefined => {
    if (chainId === null || last === null) return undefined;
    const head = heads.get(chainId);
    const at = { chainId, runId: last[RUN_ID], seq: lastSeq, key: last[KEY], type: last[TYPE] };
    if (!head) return { ...at, reason: 'chain has no head row' };
    if (head.lastSeq !== lastSeq || head.lastHash !== prevHash) {
      return { ...at, reason: `head says seq ${head.lastSeq}, but the last event is seq ${lastSeq} (or its hash differs)` };
    }
    return undefined;
  };
  const broken = async (pending: Promise<unknown> | undefined, at: EventRow, found: Omit<ChainBreak, 'eventId'>): Promise<VerifyResult> => {
    pending?.catch(() => undefined); // not leaving a prefetched page's failure unhandled
    const eventId = await reader.eventId(at[CHAIN_ID], at[SEQ]);
    return { ok: false, chains, events, firstBreak: { ...found, eventId } };
  };

  let next: Promise<EventRow[]> | undefined = reader.page(scope, null, batchSize);
  while (next) {
    const rows: EventRow[] = await next;
    heads = await loadHeads(reader, rows, chainId, heads);
    // Ask for the next page before checking this one, so the server reads while we hash.
    next = rows.length === batchSize ? reader.page(scope, rows[rows.length - 1], batchSize) : undefined;

    for (const row of rows) {
      if (row[CHAIN_ID] !== chainId) {
        const headBreak = closeChain();
        if (headBreak) return broken(next, last!, headBreak);
        chainId = row[CHAIN_ID];
        chains++;
        lastSeq = 0;
        prevHash = GENESIS_HASH;
      }
      const reason = checkEvent(row, lastSeq + 1, prevHash);
      if (reason) {
        const at = { chainId: row[CHAIN_ID], runId: row[RUN_ID], seq: Number(row[SEQ]), key: row[KEY], type: row[TYPE], reason };
        return broken(next, row, at);
      }
      events++;
      lastSeq++;
      prevHash = row[HASH];
      last = row;
    }
  }
  const headBreak = closeChain();
  if (headBreak) return broken(undefined, last!, headBreak);
  return { ok: true, chains, events };
}

/** Why this event breaks its chain, or undefined if it holds. */
function checkEvent(row: EventRow, expectedSeq: number, prevHash: string): string | undefined {
  if (row[SEQ] !== String(expectedSeq)) return `seq ${row[SEQ]} where ${expectedSeq} was expected (missing or extra event)`;
  if (row[PREV_HASH] !== prevHash) return "prev_hash is not the previous event's hash";
  if (chainHash(prevHash, row[BODY]) !== row[HASH]) return 'hash does not match the body (body or hash altered)';
  return columnsMatchBody(row) ? undefined : columnMismatch(row);
}

/** The fast check, once per event: the body is what the writer makes of these columns. */
function columnsMatchBody(row: EventRow): boolean {
  const atMs = Number(row[AT_US]) / 1000;
  if (!Number.isInteger(atMs)) return false; // the writer keeps milliseconds only
  return bodyHasHeader(row[BODY], {
    chainId: row[CHAIN_ID], seq: Number(row[SEQ]), key: row[KEY], type: row[TYPE], runId: row[RUN_ID],
    stepId: row[STEP_ID], actor: row[ACTOR], atMs,
  });
}

/** The slow path, only for a break: which column disagrees with the body. */
function columnMismatch(row: EventRow): string {
  let body: EventBody;
  try {
    body = JSON.parse(row[BODY]) as EventBody;
  } catch {
    return 'body is not JSON';
  }
  if (body.chainId !== row[CHAIN_ID]) return 'chain_id differs from the body';
  if (body.seq !== Number(row[SEQ])) return 'seq differs from the body';
  if (body.key !== row[KEY]) return 'key differs from the body';
  if (body.type !== row[TYPE]) return 'type differs from the body';
  if (body.runId !== row[RUN_ID]) return 'run_id differs from the body';
  if (body.stepId !== row[STEP_ID]) return 'step_id differs from the body';
  if (body.actor !== row[ACTOR]) return 'actor differs from the body';
  if (String(Date.parse(body.at) * 1000) !== row[AT_US]) return 'at differs from the body';
  return 'body is not in canonical form';
}

/** Heads of the chains on this page, keeping the one being walked across the page boundary. */
async function loadHeads(
  reader: ChainReader,
  rows: EventRow[],
  current: string | null,
  previous: Map<string, Head>,
): Promise<Map<string, Head>> {
  const ids = [...new Set(rows.map((r) => r[CHAIN_ID]))];
  const found = await reader.heads(ids);
  const heads = new Map<string, Head>();
  if (current !== null && previous.has(current)) heads.set(current, previous.get(current)!);
  for (const h of found) heads.set(h.chain_id, { lastSeq: Number(h.last_seq), lastHash: h.last_hash });
  return heads;
}

/** A head that claims events when its chain has none: the whole chain was removed. */
export async function findHeadWithoutEvents(reader: ChainReader, chainId?: string): Promise<ChainBreak | undefined> {
  const head = await reader.headWithoutEvents(chainId);
  if (!head) return undefined;
  return {
    chainId: head.chain_id, runId: null, seq: 0, eventId: null, key: null, type: null,
    reason: `head says seq ${head.last_seq}, but the chain has no events`,
  };
}

/**
 * A whole verification in one snapshot: the events, then the heads without events (counted as one
 * more chain, as the walk would have counted it).
 */
export async function verifyInSnapshot(reader: ChainReader, chainId: string | undefined, batchSize: number): Promise<VerifyResult> {
  const walked = await walkChains(reader, { chainId }, batchSize);
  if (!walked.ok) return walked;
  return withHeadsWithoutEvents(reader, walked, chainId);
}

/** `result` (all events held), or the first head without events after it. */
export async function withHeadsWithoutEvents(reader: ChainReader, result: VerifyResult, chainId?: string): Promise<VerifyResult> {
  const orphan = await findHeadWithoutEvents(reader, chainId);
  if (orphan) return { ok: false, chains: result.chains + 1, events: result.events, firstBreak: orphan };
  return result;
}
