/**
 * The one TypeScript require hook, for code that runs from its .ts sources (under jest) and starts
 * another Node: the lab's daemon (a child process) and the worker threads of src/threads/start-worker.ts.
 *
 *   node --require scripts/register-typescript.js lab/lab-daemon.ts <config>
 *   new Worker('src/audit/verify-chain-worker.ts', { execArgv: ['--require', '…/register-typescript.js'] })
 *
 * It transpiles each .ts file with @swc/core and the options jest.config.js gives @swc/jest (a dev
 * dependency, what jest itself runs on); no type checking, which `tsc --noEmit` does. A built drillbook
 * (dist/, what the CLI runs) never loads it: there, each of them starts the compiled .js.
 */
'use strict';
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    swcrc: false,
    sourceMaps: 'inline',
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
