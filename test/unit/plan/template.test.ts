import type { Scope } from '../../../src/plan/expression';
import { isTemplated, renderTemplates, scanTemplate, templateExpressions, templateRefs, TemplateSyntaxError } from '../../../src/plan/template';

const scope: Scope = {
  mode: 'failover',
  params: { base: 'https://b.example', port: 5432, on: true },
  steps: { lsn: { output: { value: 42, list: [1, 2] }, status: 'completed' } },
};

describe('renderTemplates', () => {
  it('keeps the type of a string that is exactly one template', () => {
    expect(renderTemplates({ port: '${{ params.port }}', on: '${{params.on}}', list: '${{ steps.lsn.output.list }}' }, scope)).toEqual({
      port: 5432,
      on: true,
      list: [1, 2],
    });
  });

  it('interpolates text, nested at any depth, leaving keys and other values alone', () => {
    const input = {
      url: '${{ params.base }}/gslb?mode=${{ mode }}',
      body: { items: ['lsn=${{ steps.lsn.output.value }}', 3, null, false], obj: 'x ${{ steps.lsn.output.list }}', none: 'n=${{ params.nope }}' },
      '${{ params.base }}': 'key untouched',
    };
    expect(renderTemplates(input, scope)).toEqual({
      url: 'https://b.example/gslb?mode=failover',
      body: { items: ['lsn=42', 3, null, false], obj: 'x [1,2]', none: 'n=' },
      '${{ params.base }}': 'key untouched',
    });
  });

  it('does not mutate its input', () => {
    const input = { a: '${{ params.port }}' };
    renderTemplates(input, scope);
    expect(input).toEqual({ a: '${{ params.port }}' });
  });

  it('throws on an unterminated template', () => {
    expect(() => renderTemplates('x ${{ params.port', scope)).toThrow(TemplateSyntaxError);
  });
});

describe('scanning', () => {
  it('splits text and expressions, with offsets; "}}" inside quotes does not close', () => {
    expect(scanTemplate("a${{ 'x}}' }}b")).toEqual([{ text: 'a' }, { source: "'x}}'", offset: 5 }, { text: 'b' }]);
    expect(isTemplated('plain')).toBe(false);
    expect(isTemplated('${{ x }}')).toBe(true);
  });

  it('finds expressions with their paths and the names they read', () => {
    const input = { a: ['${{ params.base }}', { b: 'x${{ steps.lsn.output.value + 1 }}' }], c: '${{ 1 + }}' };
    const found = templateExpressions(input);
    expect(found.map((t) => [t.path, t.source, t.parsed.ok])).toEqual([
      [['a', 0], 'params.base', true],
      [['a', 1, 'b'], 'steps.lsn.output.value + 1', true],
      [['c'], '1 +', false],
    ]);
    expect(templateRefs(input).map((r) => `${r.root}.${r.path.join('.')}`)).toEqual(['params.base', 'steps.lsn.output.value']);
  });
});
