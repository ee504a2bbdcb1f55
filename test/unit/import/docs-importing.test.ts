/**
 * docs/importing.md shows, for each tool, a source and the draft `drillbook import` makes of it: the
 * drafts there are what the importer writes today, and they validate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { importSource, type ImportTool } from '../../../src/import/import-source';
import { loadRunbookText } from '../../../src/runbook/load';

const doc = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'importing.md'), 'utf8');

interface Example {
  attrs: Record<string, string>;
  before: string;
  after: string;
}

function examples(): Example[] {
  return [...doc.matchAll(/<!-- import-example ([^>]*) -->([\s\S]*?)(?=<!-- import-example|\n## What maps)/g)].map((m) => {
    const attrs = Object.fromEntries(m[1].trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));
    const blocks = [...m[2].matchAll(/```(?:json|yaml)\n([\s\S]*?)```/g)].map((b) => b[1]);
    return { attrs, before: blocks[0], after: blocks[1] };
  });
}

test('the docs show a before and after for each tool', () => {
  expect(examples().map((e) => e.attrs.tool)).toEqual(['chaostoolkit', 'rundeck']);
});

test.each(examples().map((e) => [e.attrs.tool, e] as const))('the %s example is what the importer writes, and it validates', (_, e) => {
  const { yaml } = importSource({
    tool: e.attrs.tool as ImportTool,
    file: e.attrs.file,
    text: e.before,
    cwd: e.attrs.cwd ?? '/tmp',
    outFile: e.attrs.out,
    owners: [e.attrs.owner],
    services: [e.attrs.service],
    registry: adapterRegistry,
  });
  expect(e.after).toBe(yaml);
  const { plan, diagnostics } = loadRunbookText(e.after, `docs/importing.md#${e.attrs.tool}`, { registry: adapterRegistry });
  expect(diagnostics).toEqual([]);
  expect(plan).toBeDefined();
});
