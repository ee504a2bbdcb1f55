/** The runbook examples in the README and the reference must stay valid as the language changes. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adapterRegistry } from '../../activities/adapters/index';
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
    const { plan, diagnostics } = loadRunbookText(yaml, `${file}#example${i + 1}`, { registry: adapterRegistry });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan).toBeDefined();
  }
});

/**
 * The README's offline command examples (the bash block after `<!-- examples:commands -->`), each run
 * through the compiled CLI with the exit code its `# exit N` comment states. `validate` must print
 * no warning on the reference runbooks.
 */
function commandExamples(file: string): { command: string; exit: number }[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const block = /<!-- examples:commands -->\n```bash\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const m = /^(node bin\/drillbook\.js .*?)\s+# exit (\d+)/.exec(line);
      if (!m) throw new Error(`${file}: an example without "# exit N": ${line}`);
      return { command: m[1], exit: Number(m[2]) };
    });
}

const examples = commandExamples('README.md');

test('the README marks its offline command examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(5);
});

test.each(examples)('$command exits $exit', ({ command, exit }) => {
  const out = spawnSync('bash', ['-c', command], { cwd: root, encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '', DATABASE_URL: '' } });
  expect({ status: out.status, stderr: exit === 0 ? out.stderr : '' }).toEqual({ status: exit, stderr: '' });
  if (/^node bin\/drillbook\.js validate runbooks\//.test(command)) expect(out.stdout).not.toMatch(/warning/);
});
