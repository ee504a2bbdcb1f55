/**
 * Bounded input: past a limit of src/runbook/limits.ts, a runbook gets a located diagnostic that
 * quotes at most a short excerpt — never a crash, never the whole offending value.
 */
import { formatDiagnostic } from '../../../src/runbook/diagnostics';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';
import { DEFAULT_RUNBOOK_MAX_BYTES, RUNBOOK_MAX_BYTES_CEILING, parseRunbookMaxBytes, runbookLimits } from '../../../src/runbook/limits';

const head = 'apiVersion: drillbook/v1\nname: t\nversion: "1"\nowners: [sre]\nservices: [core]\n';
const noop = '    action: { adapter: noop, input: {} }\n';

function errors(yaml: string): string[] {
  const { plan, diagnostics } = loadRunbookText(yaml, 't.yaml', { registry: adapterRegistry, secretScope: false });
  expect(plan).toBeUndefined();
  return diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

describe('runbook input limits', () => {
  it('exposes the limits the API sizes its bodies and parser by', () => {
    expect(runbookLimits({})).toEqual(expect.objectContaining({ maxBytes: DEFAULT_RUNBOOK_MAX_BYTES, maxAliases: 100, maxExpressionLength: 4096, maxExpressionDepth: 64 }));
    expect(runbookLimits({ DRILLBOOK_RUNBOOK_MAX_BYTES: '2097152' }).maxBytes).toBe(2097152);
    expect(() => parseRunbookMaxBytes('abc')).toThrow(/^DRILLBOOK_RUNBOOK_MAX_BYTES: expected a whole number of bytes/);
    expect(() => parseRunbookMaxBytes(String(RUNBOOK_MAX_BYTES_CEILING + 1))).toThrow(/DRILLBOOK_RUNBOOK_MAX_BYTES/);
  });

  it('refuses a YAML alias bomb, located at an alias', () => {
    let yaml = `${head}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
    let prev = 'a';
    for (const name of 'bcdefghi') {
      yaml += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = name;
    }
    yaml += `steps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: { x: *i } } }\n`;
    expect(errors(yaml)).toEqual(['t.yaml:7:8: error: aliases expand to too much data (an alias bomb)']);
  });

  it('refuses more aliases than allowed', () => {
    const yaml = `${head}x: &x 1\ny: [${Array(150).fill('*x').join(', ')}]\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`;
    expect(errors(yaml)).toEqual([expect.stringMatching(/^t\.yaml:7:\d+: error: more than 100 YAML aliases \(150\)$/)]);
  });

  it('refuses an expression of 100k terms and an over-long or over-deep one, at the expression', () => {
    const huge = errors(`${head}steps:\n  - id: s\n    title: s\n    kind: action\n    when: "${Array(100_000).fill('1').join('+')} > 0"\n${noop}`);
    expect(huge).toEqual([expect.stringMatching(/^t\.yaml:10:11: error: a text of 200003 characters is longer than the limit of 65536 \("1\+1\+1.{0,70}…"\)$/)]);
    const long = errors(`${head}steps:\n  - id: s\n    title: s\n    kind: action\n    when: "${Array(5_000).fill('1').join('+')} > 0"\n${noop}`);
    expect(long).toEqual([expect.stringMatching(/^t\.yaml:10:11: error: an expression of 10003 characters is longer than the limit of 4096/)]);
    const deep = errors(`${head}steps:\n  - id: s\n    title: s\n    kind: action\n    when: "${'!'.repeat(200)}true"\n${noop}`);
    expect(deep).toEqual([expect.stringContaining('an expression nested deeper than 64 levels')]);
  });

  it('refuses a 5 MB step title, quoting a short excerpt only', () => {
    const name = 'N'.repeat(5_000_000);
    const tooBig = errors(`${head}steps:\n  - id: s\n    title: "${name}"\n    kind: action\n${noop}`);
    expect(tooBig).toEqual([expect.stringContaining(`error: a runbook of 5000`)]);
    const prev = process.env.DRILLBOOK_RUNBOOK_MAX_BYTES;
    process.env.DRILLBOOK_RUNBOOK_MAX_BYTES = String(RUNBOOK_MAX_BYTES_CEILING);
    try {
      const found = errors(`${head}steps:\n  - id: s\n    title: "${name}"\n    kind: action\n${noop}`);
      expect(found).toEqual([`t.yaml:8:12: error: a text of 5000000 characters is longer than the limit of 65536 ("${'N'.repeat(60)}…")`]);
      expect(found.join('').length).toBeLessThan(300);
    } finally {
      if (prev === undefined) delete process.env.DRILLBOOK_RUNBOOK_MAX_BYTES;
      else process.env.DRILLBOOK_RUNBOOK_MAX_BYTES = prev;
    }
  });

  it('refuses nesting deeper than 64 levels and says where', () => {
    const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
    expect(errors(`${head}x: ${deep}\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`)).toEqual([
      expect.stringMatching(/^t\.yaml:6:\d+: error: nested deeper than 64 levels$/),
    ]);
  });
});
