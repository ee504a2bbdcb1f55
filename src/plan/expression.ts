/**
 * Evaluates runbook expressions (`when`, a check's `expect`, templates) over a parsed tree.
 *
 * Workflow-safe: pure, no `node:` imports and no parser. The tree is parsed once at compile time
 * (src/plan/expression-parser.ts, which needs jsep) and stored in the plan as `Expr.ast`, so the
 * workflow bundle only carries this evaluator.
 *
 * Semantics, chosen to be unsurprising for JSON data:
 * - `==`/`!=` compare deeply without coercion (`1 == "1"` is false);
 * - `<`, `<=`, `>`, `>=` compare two numbers or two strings, anything else is an error;
 * - `+` adds numbers, or concatenates when either side is a string; `-`, `*`, `/`, `%` need numbers;
 * - `&&`, `||`, `??` short-circuit and yield an operand, as in JavaScript; truthiness is JavaScript's;
 * - reading a missing member (or a member of null) yields null, so `steps.a.output.x` never throws;
 * - `__proto__`, `constructor` and `prototype` are refused; only own properties are read;
 * - only the functions in {@link FUNCTIONS} can be called, never methods.
 */
import type { Expr, Json, Mode } from './types';

/** The expression tree: jsep's node shapes, reduced to what is supported (no `raw`, no `this`). */
export type ExprNode =
  | { type: 'Literal'; value: string | number | boolean | null }
  | { type: 'Identifier'; name: string }
  | { type: 'MemberExpression'; object: ExprNode; property: ExprNode; computed: boolean }
  | { type: 'UnaryExpression'; operator: UnaryOperator; argument: ExprNode }
  | { type: 'BinaryExpression'; operator: BinaryOperator; left: ExprNode; right: ExprNode }
  | { type: 'ConditionalExpression'; test: ExprNode; consequent: ExprNode; alternate: ExprNode }
  | { type: 'ArrayExpression'; elements: ExprNode[] }
  | { type: 'CallExpression'; callee: { type: 'Identifier'; name: string }; arguments: ExprNode[] };

export const UNARY_OPERATORS = ['!', '-', '+'] as const;
export type UnaryOperator = (typeof UNARY_OPERATORS)[number];
export const BINARY_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '&&', '||', '??', '+', '-', '*', '/', '%'] as const;
export type BinaryOperator = (typeof BINARY_OPERATORS)[number];

/** The names an expression can start from. `output` exists only in a check's `expect` and in `compensate`. */
export const ROOT_NAMES = ['mode', 'params', 'steps', 'output'] as const;
export type RootName = (typeof ROOT_NAMES)[number];

/** What a step exposes to later expressions: `steps.<id>.output` and `steps.<id>.status`. */
export const STEP_FIELDS = ['output', 'status'] as const;

export interface StepView {
  output: Json;
  status: string;
}

export interface Scope {
  mode: Mode;
  params: Record<string, string | number | boolean>;
  steps: Record<string, StepView>;
  /** The probe's output in a check's `expect`; the step's own output in its `compensate` input. */
  output?: Json;
}

/** Thrown when an expression cannot be evaluated (type mismatch, refused member, unknown name). */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

/** Never readable: they lead from data to JavaScript's object machinery. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Fn = (args: Json[]) => Json;

/** The whole function library. Small on purpose: anything richer belongs in an adapter. */
export const FUNCTIONS: Record<string, Fn> = {
  /** Length of a string, an array, or an object's key count; null has length 0. */
  len: ([x]) => {
    if (x === null || x === undefined) return 0;
    if (typeof x === 'string' || Array.isArray(x)) return x.length;
    if (typeof x === 'object') return Object.keys(x).length;
    throw new ExpressionError(`len() needs a string, array or object, got ${typeName(x)}`);
  },
  /** `contains(array, value)` (deep equality) or `contains(string, substring)`. */
  contains: ([haystack, needle]) => {
    if (Array.isArray(haystack)) return haystack.some((v) => deepEqual(v, needle ?? null));
    if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle);
    throw new ExpressionError(`contains() needs an array, or two strings`);
  },
  startsWith: ([s, prefix]) => str(s, 'startsWith').startsWith(str(prefix, 'startsWith')),
  endsWith: ([s, suffix]) => str(s, 'endsWith').endsWith(str(suffix, 'endsWith')),
  lower: ([s]) => str(s, 'lower').toLowerCase(),
  upper: ([s]) => str(s, 'upper').toUpperCase(),
  abs: ([n]) => Math.abs(num(n, 'abs')),
  min: (args) => finite(Math.min(...args.map((n) => num(n, 'min')))),
  max: (args) => finite(Math.max(...args.map((n) => num(n, 'max')))),
  /** Parses a number from a string (adapters often return numbers as text, e.g. pg's int8). */
  number: ([x]) => {
    if (typeof x === 'number') return x;
    if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
    throw new ExpressionError(`number() cannot convert ${JSON.stringify(x ?? null)}`);
  },
  string: ([x]) => toText(x ?? null),
};

/** A plan's `Expr`, or its `ast` alone. */
export type ExprLike = Expr | ExprNode | Json;

function treeOf(expr: ExprLike): ExprNode {
  // An ExprNode has no `source`, so this tells a whole Expr from a bare tree.
  if (expr !== null && typeof expr === 'object' && !Array.isArray(expr) && 'source' in expr && 'ast' in expr) {
    return expr.ast as ExprNode;
  }
  return expr as ExprNode;
}

/**
 * Evaluates an expression of the plan (`step.when`, `step.expect`, or their `ast`) in `scope`.
 * @throws ExpressionError when a value has the wrong type for an operator or function, or a
 *   refused member is read. Catch it in workflow code and turn it into an `ApplicationFailure`.
 */
export function evaluate(expr: ExprLike, scope: Scope): Json {
  return evalNode(treeOf(expr), scope);
}

/** Evaluates and applies JavaScript truthiness: what `when` and `expect` need. */
export function evaluateCondition(expr: ExprLike, scope: Scope): boolean {
  return truthy(evaluate(expr, scope));
}

export function truthy(value: Json): boolean {
  return !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
}

function evalNode(node: ExprNode, scope: Scope): Json {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'Identifier':
      return lookupRoot(node.name, scope);
    case 'MemberExpression': {
      const object = evalNode(node.object, scope);
      const key = node.computed ? evalNode(node.property, scope) : propertyName(node.property);
      return member(object, key);
    }
    case 'UnaryExpression': {
      const value = evalNode(node.argument, scope);
      switch (node.operator) {
        case '!':
          return !truthy(value);
        case '-':
          return -num(value, 'unary -');
        case '+':
          return num(value, 'unary +');
        default:
          throw new ExpressionError(`unsupported operator ${String((node as { operator: unknown }).operator)}`);
      }
    }
    case 'BinaryExpression':
      return binary(node.operator, node.left, node.right, scope);
    case 'ConditionalExpression':
      return truthy(evalNode(node.test, scope)) ? evalNode(node.consequent, scope) : evalNode(node.alternate, scope);
    case 'ArrayExpression':
      return node.elements.map((e) => evalNode(e, scope));
    case 'CallExpression': {
      const name = node.callee.name;
      if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) throw new ExpressionError(`unknown function ${name}()`);
      return FUNCTIONS[name](node.arguments.map((a) => evalNode(a, scope)));
    }
    default:
      throw new ExpressionError(`unsupported expression node ${String((node as { type: unknown }).type)}`);
  }
}

function lookupRoot(name: string, scope: Scope): Json {
  switch (name) {
    case 'mode':
      return scope.mode;
    case 'params':
      return scope.params as Json;
    case 'steps':
      return scope.steps as unknown as Json;
    case 'output':
      if (scope.output === undefined) throw new ExpressionError('`output` exists only in a check\'s expect and in compensate');
      return scope.output;
    default:
      throw new ExpressionError(`unknown name ${name}`);
  }
}

function propertyName(node: ExprNode): string {
  if (node.type !== 'Identifier') throw new ExpressionError('a member name must be an identifier');
  return node.name;
}

function member(object: Json, key: Json): Json {
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new ExpressionError(`a member key must be a string or a number, got ${typeName(key)}`);
  }
  const k = String(key);
  if (FORBIDDEN_KEYS.has(k)) throw new ExpressionError(`member "${k}" is not allowed`);
  if (object === null || typeof object !== 'object') return null;
  if (Array.isArray(object)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) return null;
    return object[key < 0 ? object.length + key : key] ?? null;
  }
  return Object.prototype.hasOwnProperty.call(object, k) ? (object[k] ?? null) : null;
}

function binary(op: BinaryOperator, leftNode: ExprNode, rightNode: ExprNode, scope: Scope): Json {
  const left = evalNode(leftNode, scope);
  // Short-circuit operators evaluate the right side only when needed (it may read missing data).
  if (op === '&&') return truthy(left) ? evalNode(rightNode, scope) : left;
  if (op === '||') return truthy(left) ? left : evalNode(rightNode, scope);
  if (op === '??') return left === null ? evalNode(rightNode, scope) : left;
  const right = evalNode(rightNode, scope);
  switch (op) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, left, right);
    case '+':
      if (typeof left === 'string' || typeof right === 'string') return toText(left) + toText(right);
      return finite(num(left, '+') + num(right, '+'));
    case '-':
      return finite(num(left, '-') - num(right, '-'));
    case '*':
      return finite(num(left, '*') * num(right, '*'));
    case '/':
    case '%': {
      const divisor = num(right, op);
      if (divisor === 0) throw new ExpressionError(`division by zero`);
      const dividend = num(left, op);
      return finite(op === '/' ? dividend / divisor : dividend % divisor);
    }
    default:
      throw new ExpressionError(`unsupported operator ${String(op)}`);
  }
}

function compare(op: '<' | '<=' | '>' | '>=', a: Json, b: Json): boolean {
  const bothNumbers = typeof a === 'number' && typeof b === 'number';
  const bothStrings = typeof a === 'string' && typeof b === 'string';
  if (!bothNumbers && !bothStrings) {
    throw new ExpressionError(`${op} compares two numbers or two strings, got ${typeName(a)} and ${typeName(b)}`);
  }
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** Structural equality of JSON values (object key order does not matter). */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** How a value reads inside text: strings as they are, null as empty, objects and arrays as JSON. */
export function toText(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function num(value: Json | undefined, where: string): number {
  if (typeof value !== 'number') throw new ExpressionError(`${where} needs a number, got ${typeName(value ?? null)}`);
  return value;
}

function str(value: Json | undefined, where: string): string {
  if (typeof value !== 'string') throw new ExpressionError(`${where}() needs a string, got ${typeName(value ?? null)}`);
  return value;
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw new ExpressionError(`result is not a finite number`);
  return n;
}

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** One name an expression reads: its root and the static member path after it. */
export interface Reference {
  root: string;
  /** Member names/indexes read after the root, up to the first computed (dynamic) one. */
  path: (string | number)[];
  /** True when the path continues with a key computed at run time (e.g. `params[name]`). */
  dynamic: boolean;
}

/**
 * Every name the expression reads, e.g. `steps.a.output.lsn > params.min` gives
 * `{ root: 'steps', path: ['a', 'output', 'lsn'] }` and `{ root: 'params', path: ['min'] }`.
 * Function names are not references.
 */
export function referencedNames(expr: ExprLike): Reference[] {
  const refs: Reference[] = [];
  const visit = (node: ExprNode): void => {
    if (node.type === 'Identifier') {
      refs.push({ root: node.name, path: [], dynamic: false });
      return;
    }
    if (node.type === 'MemberExpression') {
      const chain = memberChain(node);
      if (chain) {
        refs.push(chain.ref);
        chain.computedKeys.forEach(visit);
      } else {
        visit(node.object);
        if (node.computed) visit(node.property);
      }
      return;
    }
    childNodes(node).forEach(visit);
  };
  visit(treeOf(expr));
  return refs;
}

/** The nodes directly below `node`, in source order (a member's property too, computed or not). */
function childNodes(node: ExprNode): ExprNode[] {
  switch (node.type) {
    case 'Literal':
    case 'Identifier':
      return [];
    case 'MemberExpression':
      return [node.object, node.property];
    case 'UnaryExpression':
      return [node.argument];
    case 'BinaryExpression':
      return [node.left, node.right];
    case 'ConditionalExpression':
      return [node.test, node.consequent, node.alternate];
    case 'ArrayExpression':
      return node.elements;
    case 'CallExpression':
      return node.arguments;
  }
}

/** A member chain rooted at an identifier (`a.b[0].c`), or null when rooted elsewhere (`[1,2][0]`). */
function memberChain(node: ExprNode): { ref: Reference; computedKeys: ExprNode[] } | null {
  const keys: { node: ExprNode; computed: boolean }[] = [];
  let cur: ExprNode = node;
  while (cur.type === 'MemberExpression') {
    keys.unshift({ node: cur.property, computed: cur.computed });
    cur = cur.object;
  }
  if (cur.type !== 'Identifier') return null;
  const ref: Reference = { root: cur.name, path: [], dynamic: false };
  const computedKeys: ExprNode[] = [];
  for (const key of keys) {
    if (!key.computed && key.node.type === 'Identifier') {
      if (!ref.dynamic) ref.path.push(key.node.name);
    } else if (key.node.type === 'Literal' && (typeof key.node.value === 'string' || typeof key.node.value === 'number')) {
      if (!ref.dynamic) ref.path.push(key.node.value);
    } else {
      ref.dynamic = true;
      computedKeys.push(key.node);
    }
  }
  return { ref, computedKeys };
}

/** String literals compared with `mode` by `==` or `!=` (to check they name a mode of the runbook). */
export function comparedModes(expr: ExprLike): string[] {
  const found: string[] = [];
  const isMode = (n: ExprNode) => n.type === 'Identifier' && n.name === 'mode';
  const visit = (node: ExprNode): void => {
    if (node.type === 'BinaryExpression' && (node.operator === '==' || node.operator === '!=')) {
      if (isMode(node.left) && node.right.type === 'Literal' && typeof node.right.value === 'string') found.push(node.right.value);
      if (isMode(node.right) && node.left.type === 'Literal' && typeof node.left.value === 'string') found.push(node.left.value);
    }
    // contains(['drill', 'failover'], mode)
    if (node.type === 'CallExpression' && node.callee.name === 'contains' && node.arguments[1] && isMode(node.arguments[1]) && node.arguments[0]?.type === 'ArrayExpression') {
      for (const e of node.arguments[0].elements) if (e.type === 'Literal' && typeof e.value === 'string') found.push(e.value);
    }
    childNodes(node).forEach(visit);
  };
  visit(treeOf(expr));
  return found;
}
