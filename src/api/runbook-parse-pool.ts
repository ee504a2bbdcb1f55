/**
 * Runbook parsing for `POST /api/runs` (and the registry), off the event loop: a YAML text of up to
 * DRILLBOOK_RUNBOOK_MAX_BYTES takes up to seconds to parse and validate, during which the API
 * answered nothing (a 0.9 MB runbook held `/api/health` for 3.9 s). The threads inherit the
 * environment, so they apply the same runbook limits and secret scopes as this process. A few long-lived worker threads
 * (runbook-parse-worker.ts) do it instead, one text at a time each; others wait in a queue. A parse
 * that runs out of its thread's memory or time is the caller's runbook being too large or complex:
 * a 400 on `runbook`, and the thread is replaced.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { LoadResult } from '../runbook/load';
import { startModuleWorker } from '../threads/start-worker';
import { ApiError } from './errors';
import type { ParseJob, ParseReply } from './runbook-parse-worker';

export interface ParsePoolOptions {
  /** Threads at most (default: 2, or 1 on one core). */
  threads?: number;
  /** A parse longer than this is refused (default 60 s: a maximal runbook takes ~4 s alone, ~10 s on a loaded machine). */
  timeoutMs?: number;
  /** Each thread's old-generation heap (default 512 MB): a runbook needing more is refused. */
  heapMb?: number;
}

interface Pending {
  job: ParseJob;
  resolve(result: LoadResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  busy?: { pending: Pending; timer: NodeJS.Timeout };
}

export class RunbookParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly threads: number;
  private readonly timeoutMs: number;
  private readonly heapMb: number;

  constructor(options: ParsePoolOptions = {}) {
    this.threads = options.threads ?? Math.min(2, availableParallelism());
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.heapMb = options.heapMb ?? 512;
  }

  /** Parses, validates and compiles `text` in a worker thread; the same result as `loadRunbookText(text, file, { registry: adapterRegistry })`. */
  load(text: string, file: string): Promise<LoadResult> {
    if (this.closed) return Promise.reject(new Error('the runbook parse pool is closed'));
    return new Promise<LoadResult>((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, text, file }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the runbook parse pool is closed'));
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.threads) slot = this.startSlot();
      if (!slot) return;
      const pending = this.queue.shift()!;
      const timer = setTimeout(() => this.fail(slot!, tooComplex(`its parse took longer than ${this.timeoutMs / 1000}s`)), this.timeoutMs);
      slot.busy = { pending, timer };
      slot.worker.postMessage(pending.job);
    }
  }

  private startSlot(): Slot {
    const worker = startModuleWorker(__dirname, 'runbook-parse-worker', { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    // An idle pool never keeps the process alive.
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (reply: ParseReply) => {
      const busy = slot.busy;
      if (!busy || busy.pending.job.id !== reply.id) return;
      clearTimeout(busy.timer);
      slot.busy = undefined;
      if ('result' in reply) busy.pending.resolve(reply.result);
      else busy.pending.reject(tooComplex(`the parser failed on it (${reply.error.slice(0, 200)})`));
      this.dispatch();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const reason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `its parse needs more than ${this.heapMb} MB` : `the parser's thread failed (${err.message.slice(0, 200)})`;
      this.fail(slot, tooComplex(reason));
    });
    worker.on('exit', () => this.fail(slot, tooComplex("the parser's thread stopped")));
    this.slots.push(slot);
    return slot;
  }

  /** Refuses the slot's job, drops the thread, and lets a new one take the queue. */
  private fail(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    if (slot.busy) {
      clearTimeout(slot.busy.timer);
      slot.busy.pending.reject(err);
      slot.busy = undefined;
    }
    void slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }
}

function tooComplex(reason: string): ApiError {
  return new ApiError(400, 'runbook_too_complex', `runbook: refused because ${reason}; split it or simplify it`, 'runbook');
}
