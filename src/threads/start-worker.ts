/**
 * Starts a worker thread on a module of this code base, compiled or not: the `.js` file from dist/
 * (the CLI), or under jest the `.ts` source, which a worker cannot load as is: the worker then first
 * registers swc (a dev dependency, what jest itself uses) for .ts files.
 */
import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `dir`/`name` with this file's extension (.js in dist/, .ts under jest). */
export function startModuleWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(__filename);
  const entry = path.join(dir, `${name}${extension}`);
  if (extension !== '.ts') return new Worker(entry, options);
  const workerData = { ...(options.workerData as object), entry, swc: require.resolve('@swc/core') };
  return new Worker(TS_BOOTSTRAP, { ...options, eval: true, workerData });
}

const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { transformSync } = require(workerData.swc);
require.extensions['.ts'] = (module, filename) => {
  const options = { filename, swcrc: false, module: { type: 'commonjs' }, jsc: { target: 'es2022', parser: { syntax: 'typescript' } } };
  module._compile(transformSync(readFileSync(filename, 'utf8'), options).code, filename);
};
require(workerData.entry);
`;
