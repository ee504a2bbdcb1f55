/**
 * Each broken runbook in test/fixtures/runbooks/invalid/ is paired with the exact diagnostics an author
 * sees (`<name>.expected.txt`, one `file:line:col: severity: message` per line). Valid fixtures and the
 * project's reference runbooks must load without errors.
 * Regenerate the expected files after a deliberate message change: UPDATE_EXPECTED=1 npx jest fixtures
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../../../src/runbook/diagnostics';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';

const FIXTURES = path.join(__dirname, '../../fixtures/runbooks');
const ROOT = path.join(__dirname, '../../..');

function yamlFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
}

describe('invalid runbooks report exactly their expected diagnostics', () => {
  const files = yamlFiles(path.join(FIXTURES, 'invalid'));

  it('covers every invalid fixture with an expected file', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s', (name) => {
    const file = `invalid/${name}`;
    const result = loadRunbookText(readFileSync(path.join(FIXTURES, file), 'utf8'), file, { registry: adapterRegistry });
    const actual = result.diagnostics.map(formatDiagnostic);
    const expectedFile = path.join(FIXTURES, file.replace(/\.yaml$/, '.expected.txt'));
    if (process.env.UPDATE_EXPECTED) writeFileSync(expectedFile, `${actual.join('\n')}\n`);
    const expected = readFileSync(expectedFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(actual).toEqual(expected);
    expect(result.plan).toBeUndefined();
  });
});

describe('valid runbooks compile', () => {
  const cases = [
    ...yamlFiles(path.join(FIXTURES, 'valid')).map((f) => path.join(FIXTURES, 'valid', f)),
    ...yamlFiles(path.join(ROOT, 'runbooks')).map((f) => path.join(ROOT, 'runbooks', f)),
  ];
  it.each(cases.map((c) => [path.relative(ROOT, c)]))('%s', (file) => {
    const result = loadRunbookText(readFileSync(path.join(ROOT, file), 'utf8'), file, { registry: adapterRegistry });
    expect(result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(result.plan).toBeDefined();
    expect(result.planHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
