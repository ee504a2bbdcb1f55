/**
 * Parses expression text into the tree src/plan/expression.ts evaluates.
 *
 * Imports jsep, so it is for the compiler (src/runbook) and activities only: workflow code must not
 * import this file (or template.ts, which uses it); it evaluates the trees stored in the plan instead.
 *
 * The grammar is jsep's JavaScript subset, reduced to what the evaluator supports. One addition:
 * `steps.<id>` accepts kebab-case ids (`steps.promote-standby.output`), read as
 * `steps['promote-standby']`, because step ids are kebab-case and subtracting from a step makes no sense.
 */
import jsep from 'jsep';
import { BINARY_OPERATORS, FORBIDDEN_KEYS, FUNCTIONS, UNARY_OPERATORS, type BinaryOperator, type ExprNode, type UnaryOperator } from './expression';
import type { Expr, Json } from './types';

export type ParseResult =
  | { ok: true; expr: Expr }
  /** `index`: 0-based offset into the source where the problem was found (0 when unknown). */
  | { ok: false; error: string; index: number };

/** Thrown by {@link parseExpressionOrThrow}. */
export class ExpressionSyntaxError extends Error {
  override name = 'ExpressionSyntaxError';
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const KEBAB_STEP = /steps\.([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?![A-Za-z0-9_$])/y;

let hookInstalled = false;
/** jsep is configured globally; do it once, on first use. */
function installKebabStepHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  jsep.hooks.add('gobble-token', function (env) {
    KEBAB_STEP.lastIndex = this.index;
    const m = KEBAB_STEP.exec(this.expr);
    if (!m) return;
    // HookScope's index is typed readonly, but moving it is how a jsep hook consumes text.
    (this as unknown as { index: number }).index += m[0].length;
    const node: jsep.Expression = {
      type: 'MemberExpression',
      computed: true,
      object: { type: 'Identifier', name: 'steps' },
      property: { type: 'Literal', value: m[1], raw: JSON.stringify(m[1]) },
    };
    env.node = this.gobbleTokenProperty(node);
  });
}

/** Parses `source`; never throws. */
export function parseExpression(source: string): ParseResult {
  try {
    return { ok: true, expr: parseExpressionOrThrow(source) };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { ok: false, error: err.message, index: err.index };
    throw err;
  }
}

/**
 * Parses `source`.
 * @throws ExpressionSyntaxError on a syntax error or an unsupported construct.
 */
export function parseExpressionOrThrow(source: string): Expr {
  installKebabStepHook();
  if (source.trim() === '') throw new ExpressionSyntaxError('empty expression', 0);
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(`an expression of ${source.length} characters is longer than the limit of ${MAX_EXPRESSION_LENGTH}`, 0);
  }
  let tree: jsep.Expression;
  try {
    tree = jsep(source);
  } catch (err) {
    if (err instanceof RangeError) throw new ExpressionSyntaxError(`an expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels`, 0);
    const e = err as { description?: string; message?: string; index?: number };
    const text = e.description ?? e.message ?? String(err);
    // jsep capitalizes; diagnostics read "file:line:col: error: expected ..." in lower case.
    throw new ExpressionSyntaxError(text.charAt(0).toLowerCase() + text.slice(1), e.index ?? 0);
  }
  if (depthExceeds(tree, MAX_EXPRESSION_DEPTH)) throw new ExpressionSyntaxError(`an expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels`, 0);
  return { source, ast: toNode(tree) as unknown as Json };
}

/** Longest expression (characters): a condition or a template, not a program; it also bounds parsing work. */
export const MAX_EXPRESSION_LENGTH = 4096;
/** Deepest nesting of an expression's operations: bounds the parser's and the evaluator's recursion. */
export const MAX_EXPRESSION_DEPTH = 64;

/** True when jsep's tree nests deeper than `max`; iterative, so a deep tree cannot overflow the stack here. */
function depthExceeds(root: jsep.Expression, max: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) return true;
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'type' || key === 'raw' || key === 'value') continue;
      if (Array.isArray(child)) for (const c of child) stack.push([c, depth + 1]);
      else if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

const UNARY = new Set<string>(UNARY_OPERATORS);
const BINARY = new Set<string>(BINARY_OPERATORS);
const SUGGEST: Record<string, string> = { '===': '==', '!==': '!=', '&': '&&', '|': '||' };

/** Keeps the supported subset of jsep's tree and drops what the evaluator does not need (`raw`). */
function toNode(n: jsep.Expression): ExprNode {
  const fail = (message: string): never => {
    throw new ExpressionSyntaxError(message, 0);
  };
  switch (n.type) {
    case 'Literal': {
      const value = n.value;
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        return fail(`unsupported literal ${String(n.raw)}`);
      }
      return { type: 'Literal', value };
    }
    case 'Identifier':
      if (FORBIDDEN_KEYS.has(n.name as string)) return fail(`name "${String(n.name)}" is not allowed`);
      return { type: 'Identifier', name: n.name as string };
    case 'MemberExpression': {
      if (n.optional) return fail('optional chaining (?.) is not needed: reading a missing member gives null');
      const property = n.property as jsep.Expression;
      if (!n.computed && property.type !== 'Identifier') return fail('a member name must be an identifier');
      const name = property.type === 'Identifier' && !n.computed ? property.name : property.type === 'Literal' ? property.value : undefined;
      if (typeof name === 'string' && FORBIDDEN_KEYS.has(name)) return fail(`member "${name}" is not allowed`);
      return { type: 'MemberExpression', object: toNode(n.object as jsep.Expression), property: toNode(property), computed: Boolean(n.computed) };
    }
    case 'UnaryExpression': {
      const op = n.operator as string;
      if (!UNARY.has(op)) return fail(`operator ${op} is not supported`);
      return { type: 'UnaryExpression', operator: op as UnaryOperator, argument: toNode(n.argument as jsep.Expression) };
    }
    case 'BinaryExpression': {
      const op = n.operator as string;
      if (!BINARY.has(op)) return fail(`operator ${op} is not supported${SUGGEST[op] ? `; use ${SUGGEST[op]}` : ''}`);
      return {
        type: 'BinaryExpression',
        operator: op as BinaryOperator,
        left: toNode(n.left as jsep.Expression),
        right: toNode(n.right as jsep.Expression),
      };
    }
    case 'ConditionalExpression':
      return {
        type: 'ConditionalExpression',
        test: toNode(n.test as jsep.Expression),
        consequent: toNode(n.consequent as jsep.Expression),
        alternate: toNode(n.alternate as jsep.Expression),
      };
    case 'ArrayExpression': {
      const elements = n.elements as (jsep.Expression | null)[];
      if (elements.some((e) => e === null)) return fail('array holes are not supported');
      return { type: 'ArrayExpression', elements: elements.map((e) => toNode(e as jsep.Expression)) };
    }
    case 'CallExpression': {
      const callee = n.callee as jsep.Expression;
      const known = Object.keys(FUNCTIONS).join(', ');
      if (callee.type !== 'Identifier') return fail(`only these functions can be called, never methods: ${known}`);
      const name = callee.name as string;
      if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) return fail(`unknown function ${name}(); available: ${known}`);
      return { type: 'CallExpression', callee: { type: 'Identifier', name }, arguments: (n.arguments as jsep.Expression[]).map(toNode) };
    }
    case 'Compound':
    case 'SequenceExpression':
      return fail('one expression expected (no "," or ";")');
    case 'ThisExpression':
      return fail('`this` is not supported');
    default:
      return fail(`unsupported syntax (${n.type})`);
  }
}
