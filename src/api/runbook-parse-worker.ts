/**
 * A worker thread of the runbook parse pool (runbook-parse-pool.ts): parses, validates and compiles
 * the runbook texts it is sent, one at a time, off the API's event loop.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText, type LoadResult } from '../runbook/load';

export interface ParseJob {
  id: number;
  text: string;
  file: string;
}

export type ParseReply = { id: number; result: LoadResult } | { id: number; error: string };

/** Diagnostics sent back at most: a runbook with 100k errors must not cost the event loop their copy. */
export const MAX_DIAGNOSTICS = 100;

function parse(job: ParseJob): ParseReply {
  try {
    const result = loadRunbookText(job.text, job.file, { registry: adapterRegistry });
    const { diagnostics } = result;
    if (diagnostics.length <= MAX_DIAGNOSTICS) return { id: job.id, result };
    const more = diagnostics.length - MAX_DIAGNOSTICS;
    const summary = { ...diagnostics[MAX_DIAGNOSTICS], message: `and ${more} more problem${more === 1 ? '' : 's'} after this one (fix the ones above first)` };
    return { id: job.id, result: { ...result, diagnostics: [...diagnostics.slice(0, MAX_DIAGNOSTICS), summary] } };
  } catch (err) {
    // loadRunbookText reports problems as diagnostics; this is a parser's own failure (e.g. a stack overflow).
    return { id: job.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/**
 * On Linux a thread has a nice value of its own: this one yields the CPU to the API's event loop on a
 * busy machine (best effort; elsewhere, or when refused, it keeps the default).
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // not Linux, or not allowed: parsing still happens off the event loop
  }
}

lowerThreadPriority();
parentPort!.on('message', (job: ParseJob) => parentPort!.postMessage(parse(job)));
