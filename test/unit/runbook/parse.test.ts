import { formatDiagnostic } from '../../../src/runbook/diagnostics';
import { locate, parseRunbookYaml } from '../../../src/runbook/parse';

const text = `name: x
steps:
  - id: a
    when: mode == 'drill'
    quoted: "x \${{ params.y }}"
    block: |
      line
  - &second
    id: b
alias: *second
`;

describe('parseRunbookYaml and locate', () => {
  const source = parseRunbookYaml(text, 'f.yaml');

  it('parses with no diagnostics', () => {
    expect(source.diagnostics).toEqual([]);
    expect(source.value).toMatchObject({ name: 'x', alias: { id: 'b' } });
  });

  it('points at a value, at a key, at the parent of a missing key', () => {
    expect(locate(source, ['steps', 0, 'when'])).toEqual({ line: 4, col: 11 });
    expect(locate(source, ['steps', 0, 'when'], { key: true })).toEqual({ line: 4, col: 5 });
    expect(locate(source, ['steps', 1, 'title'])).toEqual({ line: 9, col: 5 });
    expect(locate(source, ['alias', 'id'])).toEqual({ line: 9, col: 9 });
  });

  it('maps an offset inside a plain or quoted string, not inside a block scalar', () => {
    expect(locate(source, ['steps', 0, 'when'], { offset: 8 })).toEqual({ line: 4, col: 19 });
    expect(locate(source, ['steps', 0, 'quoted'], { offset: 2 })).toEqual({ line: 5, col: 16 });
    expect(locate(source, ['steps', 0, 'block'], { offset: 2 })).toEqual({ line: 6, col: 12 });
  });

  it('reports YAML errors at their line and column', () => {
    const broken = parseRunbookYaml('a: 1\nb: [1, 2\nc: 3\n', 'b.yaml');
    expect(broken.value).toBeUndefined();
    expect(broken.diagnostics.length).toBeGreaterThan(0);
    expect(broken.diagnostics.map(formatDiagnostic)[0]).toMatch(/^b\.yaml:3:1: error: invalid YAML: /);
    expect(parseRunbookYaml('a: 1\na: 2\n', 'd.yaml').diagnostics.map(formatDiagnostic)).toEqual(['d.yaml:2:1: error: duplicate key "a"']);
    expect(parseRunbookYaml('a: 1\n---\nb: 2\n', 'm.yaml').diagnostics[0].message).toMatch(/one YAML document/);
  });
});
