/** The runbook examples in the README and the reference must stay valid as the language changes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRunbookText } from '../../src/runbook/load';

const root = path.join(__dirname, '..', '..');

function runbookBlocks(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((y) => y.includes('apiVersion: drillbook/v1'));
}

test.each(['README.md', 'docs/runbook-reference.md'])('the full runbook examples in %s validate without errors', (file) => {
  const blocks = runbookBlocks(file);
  expect(blocks.length).toBeGreaterThan(0);
  for (const [i, yaml] of blocks.entries()) {
    const { plan, diagnostics } = loadRunbookText(yaml, `${file}#example${i + 1}`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan).toBeDefined();
  }
});
