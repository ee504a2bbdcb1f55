/**
 * Lets plain `node` load the lab's TypeScript sources, for when lab.ts itself runs from sources
 * (jest through @swc/jest) and no compiled dist/lab/lab-daemon.js sits beside it:
 *
 *   node -r lab/register-typescript.js lab/lab-daemon.ts <config>
 *
 * It transpiles each .ts file with @swc/core (a dev dependency, already used by jest); no type
 * checking, which `tsc --noEmit` does. A built drillbook never needs this file.
 */
'use strict';
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
