/**
 * Templates: `${{ expr }}` inside any string of an adapter input.
 *
 * A string that is exactly one template (`"${{ params.port }}"`) takes the expression's value with its
 * type (number, object, ...); otherwise each template is replaced by the value as text (null as empty,
 * objects and arrays as JSON). Object keys are never templated.
 *
 * Where it runs: the plan keeps input strings as the author wrote them, and the activity renders them
 * just before calling the adapter. Rendering parses with jsep (expression-parser.ts), so this module
 * is for activities and the compiler only, never for workflow code.
 */
import { evaluate, referencedNames, toText, type Reference, type Scope } from './expression';
import { parseExpression, parseExpressionOrThrow, type ParseResult } from './expression-parser';
import type { Json } from './types';

const OPEN = '${{';
const CLOSE = '}}';

export type TemplatePart =
  | { text: string }
  /** `offset`: where the expression's source starts in the string (for messages). */
  | { source: string; offset: number };

/** Thrown by the scanner and the renderer on an unterminated `${{`. */
export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Whether a string holds a template (and so its value is known only at run time). */
export function isTemplated(value: unknown): value is string {
  return typeof value === 'string' && value.includes(OPEN);
}

/**
 * Splits a string into text and expression parts. A `}}` inside a quoted string of the expression
 * does not close it.
 * @throws TemplateSyntaxError when a `${{` is not closed.
 */
export function scanTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let pos = 0;
  while (pos < s.length) {
    const open = s.indexOf(OPEN, pos);
    if (open < 0) {
      parts.push({ text: s.slice(pos) });
      break;
    }
    if (open > pos) parts.push({ text: s.slice(pos, open) });
    const start = open + OPEN.length;
    const close = findClose(s, start);
    if (close < 0) throw new TemplateSyntaxError(`unterminated template: "${OPEN}" without "${CLOSE}"`, open);
    const raw = s.slice(start, close);
    const lead = raw.length - raw.trimStart().length;
    parts.push({ source: raw.trim(), offset: start + lead });
    pos = close + CLOSE.length;
  }
  return parts;
}

function findClose(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (s.startsWith(CLOSE, i)) return i;
  }
  return -1;
}

/** One expression found in a JSON value: where (path inside the value), and its parse result. */
export interface TemplateOccurrence {
  path: (string | number)[];
  /** Offset of the expression's source inside the string at `path`. */
  offset: number;
  source: string;
  parsed: ParseResult;
}

/** Every template expression in `json` (any depth), parsed; unterminated ones come back as errors. */
export function templateExpressions(json: unknown): TemplateOccurrence[] {
  const found: TemplateOccurrence[] = [];
  walkStrings(json, [], (s, path) => {
    let parts: TemplatePart[];
    try {
      parts = scanTemplate(s);
    } catch (err) {
      const e = err as TemplateSyntaxError;
      found.push({ path, offset: e.offset, source: s, parsed: { ok: false, error: e.message, index: 0 } });
      return;
    }
    for (const p of parts) {
      if ('source' in p) found.push({ path, offset: p.offset, source: p.source, parsed: parseExpression(p.source) });
    }
  });
  return found;
}

/** The names read by every template in `json` (unparsable templates are skipped: validation reports them). */
export function templateRefs(json: unknown): Reference[] {
  return templateExpressions(json).flatMap((t) => (t.parsed.ok ? referencedNames(t.parsed.expr.ast) : []));
}

/**
 * Renders every template in `json` against `scope`. Pure: returns a new value.
 * @throws TemplateSyntaxError, ExpressionSyntaxError (a plan from the compiler has neither) and
 *   ExpressionError (a value of the wrong type at run time).
 */
export function renderTemplates(json: Json, scope: Scope): Json {
  if (typeof json === 'string') return renderString(json, scope);
  if (Array.isArray(json)) return json.map((v) => renderTemplates(v, scope));
  if (json !== null && typeof json === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(json)) out[k] = renderTemplates(v, scope);
    return out;
  }
  return json;
}

function renderString(s: string, scope: Scope): Json {
  if (!isTemplated(s)) return s;
  const parts = scanTemplate(s);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && 'source' in only && s.startsWith(OPEN) && s.endsWith(CLOSE)) {
    return evaluate(parseExpressionOrThrow(only.source).ast, scope);
  }
  return parts.map((p) => ('text' in p ? p.text : toText(evaluate(parseExpressionOrThrow(p.source).ast, scope)))).join('');
}

function walkStrings(value: unknown, path: (string | number)[], visit: (s: string, path: (string | number)[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
  }
}
