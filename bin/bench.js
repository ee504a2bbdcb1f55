#!/usr/bin/env node
// The benchmarks run from the compiled dist/ (`npm run bench` builds it first through scripts/setup.sh).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'bench', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('the benchmarks are not built yet: run `npm run setup` first\n');
  process.exit(5);
}
require(entry).main(process.argv).catch((error) => {
  process.stderr.write(`bench failed: ${(error && error.stack) || String(error)}\n`);
  process.exit(1);
});
