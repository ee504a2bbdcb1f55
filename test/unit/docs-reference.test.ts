/** The runbook reference's adapter section is generated from the adapters' zod schemas: it must not drift. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adapters } from '../../activities/adapters/index';
import { adapterReferenceSection, withAdapterReference } from '../../src/runbook/adapter-reference';

const file = path.join(__dirname, '..', '..', 'docs', 'runbook-reference.md');

test('docs/runbook-reference.md holds the adapter reference the schemas generate (fix: npm run docs:reference)', () => {
  const doc = readFileSync(file, 'utf8');
  expect(withAdapterReference(doc, adapterReferenceSection(adapters))).toBe(doc);
});

test('every input field of every adapter has a meaning (.describe() in its zod schema)', () => {
  const section = adapterReferenceSection(adapters);
  for (const name of Object.keys(adapters)) expect(section).toContain(`### adapter \`${name}\``);
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  expect(rows.length).toBeGreaterThan(20);
  expect(rows.filter((r) => r.endsWith('|  |'))).toEqual([]);
});
