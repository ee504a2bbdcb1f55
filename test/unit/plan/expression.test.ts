import { comparedModes, evaluate, evaluateCondition, ExpressionError, referencedNames, type Scope } from '../../../src/plan/expression';
import { parseExpression, parseExpressionOrThrow } from '../../../src/plan/expression-parser';

const scope: Scope = {
  mode: 'drill',
  params: { region: 'eu', maxLag: 100, dryRun: true },
  steps: {
    'read-lsn': { output: { lsn: 42, tags: ['a', 'b'], nested: { x: null } }, status: 'completed' },
    plain: { output: 'text', status: 'skipped' },
  },
};
const run = (source: string, s: Scope = scope) => evaluate(parseExpressionOrThrow(source), s);

describe('evaluate', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(10 - 4) / 4', 1.5],
    ['7 % 4', 3],
    ['-params.maxLag', -100],
    ["'a' + 1", 'a1'],
    ['1 == 1 && 2 != 3', true],
    ["1 == '1'", false],
    ['[1, [2]] == [1, [2]]', true],
    ['3 >= 3 && 2 < 3 && 4 > 3 && 3 <= 2', false],
    ["'abc' < 'abd'", true],
    ['!params.dryRun', false],
    ['params.dryRun ? "yes" : "no"', 'yes'],
    ['0 || "fallback"', 'fallback'],
    ['null ?? 5', 5],
    ["mode == 'drill'", true],
    ['params.region', 'eu'],
    ['params.missing', null],
    ['steps.read-lsn.output.lsn', 42],
    ["steps['read-lsn'].output.tags[1]", 'b'],
    ['steps.read-lsn.output.tags[-1]', 'b'],
    ['steps.read-lsn.output.nested.x.y.z', null],
    ['steps.plain.status', 'skipped'],
    ['len(steps.read-lsn.output.tags)', 2],
    ["contains(['drill', 'failover'], mode)", true],
    ["startsWith(params.region, 'e') && upper(params.region) == 'EU'", true],
    ['max(1, 5, 3) + min(2, 0) + abs(-1)', 6],
    ["number('12.5') + 1", 13.5],
    ['string(1) + string(null)', '1'],
  ])('%s = %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('evaluates `output` in a check scope, and accepts a whole Expr or its ast', () => {
    const expr = parseExpressionOrThrow('output.lagBytes < params.maxLag');
    expect(evaluate(expr, { ...scope, output: { lagBytes: 5 } })).toBe(true);
    expect(evaluateCondition(expr.ast, { ...scope, output: { lagBytes: 500 } })).toBe(false);
    expect(() => evaluate(expr, scope)).toThrow(ExpressionError);
  });

  it('refuses prototype access at parse time and at run time', () => {
    for (const source of ['params.__proto__', "params['constructor']", 'steps.plain.output.prototype', 'constructor']) {
      const parsed = parseExpression(source);
      expect(parsed.ok).toBe(false);
    }
    // A key computed at run time is refused by the evaluator.
    const computed = parseExpressionOrThrow("params[params.region + '__proto__']");
    expect(() => evaluate(computed, { ...scope, params: { region: '' } })).toThrow(/not allowed/);
    const viaData = parseExpressionOrThrow('params[params.key]');
    expect(() => evaluate(viaData, { ...scope, params: { key: 'constructor' } })).toThrow(/not allowed/);
  });

  it('refuses method calls and unknown functions', () => {
    expect(parseExpression("params.region.toUpperCase()")).toMatchObject({ ok: false, error: expect.stringMatching(/never methods/) });
    expect(parseExpression('eval(1)')).toMatchObject({ ok: false, error: expect.stringMatching(/unknown function eval/) });
  });

  it('reports type errors instead of coercing', () => {
    expect(() => run("'a' < 1")).toThrow(ExpressionError);
    expect(() => run("'a' * 2")).toThrow(/needs a number/);
    expect(() => run('1 / 0')).toThrow(/division by zero/);
    expect(() => run('unknownName')).toThrow(/unknown name/);
  });

  it('short-circuits: the right side is not evaluated', () => {
    expect(run("false && 'a' < 1")).toBe(false);
    expect(run("true || 'a' < 1")).toBe(true);
  });
});

describe('parseExpression', () => {
  it('gives the position of a syntax error', () => {
    expect(parseExpression('a ==')).toEqual({ ok: false, error: 'expected expression after ==', index: 4 });
    expect(parseExpression('')).toMatchObject({ ok: false, error: 'empty expression' });
    expect(parseExpression('a === b')).toMatchObject({ ok: false, error: 'operator === is not supported; use ==' });
    expect(parseExpression('a, b')).toMatchObject({ ok: false });
  });

  it('stores a JSON-safe tree without jsep details', () => {
    const { ast } = parseExpressionOrThrow('steps.a-b.output.x == 1');
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast);
    expect(JSON.stringify(ast)).not.toContain('raw');
  });
});

describe('referencedNames and comparedModes', () => {
  it('lists roots with their static paths', () => {
    const refs = referencedNames(parseExpressionOrThrow("steps.read-lsn.output.lsn > params.maxLag && mode == 'x' && params[steps.a.output.k]"));
    expect(refs).toEqual([
      { root: 'steps', path: ['read-lsn', 'output', 'lsn'], dynamic: false },
      { root: 'params', path: ['maxLag'], dynamic: false },
      { root: 'mode', path: [], dynamic: false },
      { root: 'params', path: [], dynamic: true },
      { root: 'steps', path: ['a', 'output', 'k'], dynamic: false },
    ]);
    expect(referencedNames(parseExpressionOrThrow('len([1, 2][0])'))).toEqual([]);
  });

  it('finds modes compared with ==, != and contains()', () => {
    expect(comparedModes(parseExpressionOrThrow("mode == 'drill' || 'failover' != mode || contains(['failback'], mode)"))).toEqual([
      'drill',
      'failover',
      'failback',
    ]);
  });
});
