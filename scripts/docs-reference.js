#!/usr/bin/env node
// Writes the adapters' section of docs/runbook-reference.md from their zod schemas (between its
// markers). Run through `npm run docs:reference`, which builds first; test/unit/docs-reference.test.ts
// fails when the committed docs differ from what this writes.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const { adapterReferenceSection, withAdapterReference } = require(path.join(root, 'dist', 'src', 'runbook', 'adapter-reference.js'));
const { adapters } = require(path.join(root, 'dist', 'activities', 'adapters', 'index.js'));
const file = path.join(root, 'docs', 'runbook-reference.md');
const before = fs.readFileSync(file, 'utf8');
const after = withAdapterReference(before, adapterReferenceSection(adapters));
if (after === before) {
  process.stdout.write('docs/runbook-reference.md: the adapter reference is up to date\n');
} else {
  fs.writeFileSync(file, after);
  process.stdout.write('docs/runbook-reference.md: adapter reference rewritten from the schemas\n');
}
