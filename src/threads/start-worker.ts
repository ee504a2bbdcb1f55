/**
 * Starts a worker thread (or a Node process) on a module of this code base, compiled or not: the
 * `.js` file from dist/ (the CLI), or under jest the `.ts` source, which it loads through the
 * project's one require hook, scripts/register-typescript.js (the one the lab's daemon starts with,
 * from sources).
 */
import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `dir`/`name` as the arguments of a `node` process: with the require hook before it under jest. */
export function nodeModuleArgv(dir: string, name: string): string[] {
  const extension = path.extname(__filename);
  const entry = path.join(dir, `${name}${extension}`);
  return extension === '.ts' ? ['--require', typescriptHook(), entry] : [entry];
}

/** A worker thread on `dir`/`name` with this file's extension (.js in dist/, .ts under jest). */
export function startModuleWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(__filename);
  const entry = path.join(dir, `${name}${extension}`);
  if (extension !== '.ts') return new Worker(entry, options);
  return new Worker(entry, { ...options, execArgv: [...(options.execArgv ?? process.execArgv), '--require', typescriptHook()] });
}

/** From sources: this file is src/threads/start-worker.ts, the hook two folders up, in scripts/. */
function typescriptHook(): string {
  return path.join(__dirname, '..', '..', 'scripts', 'register-typescript.js');
}
