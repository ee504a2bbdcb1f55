#!/usr/bin/env node
// The CLI runs from the compiled dist/ (built by `npm run setup`, which `npm test` and `npm run demo` run).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('drillbook is not built yet: run `npm run setup` first\n');
  process.exit(5);
}
require(entry).main(process.argv);
