/**
 * A Chaos Toolkit tolerance as a drillbook `expect` over the probe's output, where one maps: an exact
 * value, a list, a range, a regex that is plain text (with ^/$ anchors), a JSONPath that is a plain
 * path. What Chaos Toolkit would compare depends on the provider's result — `{status, headers, body}`
 * for http, `{status, stdout, stderr}` for a process — and on the tolerance's `target`. Anything else
 * is a TODO (`todo` says what), never a guess.
 */

export type ProviderKind = 'http' | 'process';

export interface ToleranceMapping {
  /** The check's expect; `true` when the tolerance did not map (see `todo`). */
  expect: string;
  /** Statuses the http adapter must accept (so it does not fail a non-2xx the tolerance allows). */
  httpStatus?: number[];
  /** Exit codes the exec adapter must accept. */
  exitCodes?: number[];
  /** Why it did not map; absent when it did. */
  todo?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** A literal of the expression language. */
export function literal(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return JSON.stringify(v ?? null);
}

export function mapTolerance(tolerance: unknown, provider: ProviderKind): ToleranceMapping {
  const statusExpr = provider === 'http' ? 'output.status' : 'output.exitCode';
  const todo = (why: string): ToleranceMapping => ({ expect: 'true', todo: `tolerance ${JSON.stringify(tolerance)} not translated: ${why}` });

  if (isInt(tolerance)) {
    // The provider's result has a `status`: Chaos Toolkit compares it.
    return { expect: `${statusExpr} == ${tolerance}`, ...codes(provider, [tolerance]) };
  }
  if (typeof tolerance === 'boolean' || typeof tolerance === 'string' || typeof tolerance === 'number') {
    return todo(`Chaos Toolkit compares the whole ${provider} result with ${JSON.stringify(tolerance)}; say which field should equal it`);
  }
  if (Array.isArray(tolerance)) {
    // With a `status` in the result, a list means "one of these", whatever its length.
    if (tolerance.length > 0 && tolerance.every(isInt)) {
      return { expect: `contains(${literal(tolerance)}, ${statusExpr})`, ...codes(provider, tolerance as number[]) };
    }
    return todo('a list of non-integer values compared with a status');
  }
  if (!isRecord(tolerance)) return todo('an unknown kind of tolerance');
  const target = typeof tolerance.target === 'string' ? tolerance.target : undefined;
  switch (tolerance.type) {
    case 'regex':
      return regexTolerance(tolerance, provider, target, todo);
    case 'jsonpath':
      return jsonPathTolerance(tolerance, provider, target, todo);
    case 'range': {
      const range = tolerance.range;
      if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => typeof n === 'number')) return todo('a range is two numbers');
      const subject = numericSubject(provider, target);
      if (!subject) return todo(`a range over "${target ?? 'the whole result'}", which drillbook cannot read as a number`);
      return { expect: `${subject} >= ${range[0]} && ${subject} <= ${range[1]}` };
    }
    case 'probe':
      return todo('a probe as tolerance (a function of the value): write the condition as an expression over output');
    default:
      return todo(`tolerance type ${JSON.stringify(tolerance.type)} is not one of regex, jsonpath, range, probe`);
  }
}

function codes(provider: ProviderKind, list: number[]): Pick<ToleranceMapping, 'httpStatus' | 'exitCodes'> {
  if (provider === 'http') return list.every((s) => s >= 100 && s <= 599) ? { httpStatus: list } : {};
  return list.every((c) => c >= 0 && c <= 255) ? { exitCodes: list } : {};
}

/** The text a regex is matched against. */
function textSubject(provider: ProviderKind, target: string | undefined): string | undefined {
  if (provider === 'http' && target === 'body') return '(output.text ?? string(output.json))';
  if (provider === 'process' && (target === 'stdout' || target === 'stderr')) return `output.${target}`;
  return undefined;
}

function numericSubject(provider: ProviderKind, target: string | undefined): string | undefined {
  if (target === 'status') return provider === 'http' ? 'output.status' : 'output.exitCode';
  if (provider === 'http' && target === 'body') return 'number(output.text ?? output.json)';
  if (provider === 'process' && target === 'stdout') return 'number(output.stdout)';
  return undefined;
}

function regexTolerance(
  t: Record<string, unknown>,
  provider: ProviderKind,
  target: string | undefined,
  todo: (why: string) => ToleranceMapping,
): ToleranceMapping {
  if (typeof t.pattern !== 'string') return todo('a regex tolerance needs a pattern');
  const subject = textSubject(provider, target);
  if (!subject) return todo(`a regex over "${target ?? 'the whole result'}" (give target body, stdout or stderr)`);
  const plain = plainPattern(t.pattern);
  if (!plain) return todo('the expression language has no regular expressions; only plain text with ^ and $ maps');
  const text = literal(plain.text);
  if (plain.start && plain.end) return { expect: `${subject} == ${text}` };
  if (plain.start) return { expect: `startsWith(${subject}, ${text})` };
  if (plain.end) return { expect: `endsWith(${subject}, ${text})` };
  return { expect: `contains(${subject}, ${text})` };
}

/** `^ready\.$` → { text: 'ready.', start, end }; undefined when the pattern has any real regex syntax. */
export function plainPattern(pattern: string): { text: string; start: boolean; end: boolean } | undefined {
  let p = pattern;
  const start = p.startsWith('^');
  if (start) p = p.slice(1);
  const end = p.endsWith('$') && !p.endsWith('\\$');
  if (end) p = p.slice(0, -1);
  let text = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined; // \d, \s, \b, back-references
      text += next;
      i += 1;
    } else if ('.^$*+?()[]{}|'.includes(c)) {
      return undefined;
    } else {
      text += c;
    }
  }
  return text ? { text, start, end } : undefined;
}

function jsonPathTolerance(
  t: Record<string, unknown>,
  provider: ProviderKind,
  target: string | undefined,
  todo: (why: string) => ToleranceMapping,
): ToleranceMapping {
  if (typeof t.path !== 'string') return todo('a jsonpath tolerance needs a path');
  if (t.count !== undefined) return todo('a count of JSONPath matches');
  const segments = plainJsonPath(t.path);
  if (!segments) return todo('only a plain JSONPath ($.a.b[0]) maps; wildcards, filters and recursion do not');
  let base: string | undefined;
  if (provider === 'http' && target === 'body') base = 'output.json';
  else if (provider === 'http' && target === undefined) {
    // No target: the path starts at the result {status, headers, body}.
    const first = segments.shift();
    if (first === 'body') base = 'output.json';
    else if (first === 'status') base = 'output.status';
    else if (first === 'headers') base = 'output.headers';
  }
  if (!base) return todo(`a JSONPath over "${target ?? 'the whole result'}", which drillbook does not parse as JSON`);
  const subject = base + segments.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${literal(s)}]`)).join('');
  if (!('expect' in t)) return { expect: `${subject} != null` };
  let expected = t.expect;
  if (Array.isArray(expected)) {
    // Chaos Toolkit compares the list of matches; a plain path matches at most once.
    if (expected.length !== 1) return todo('a list of expected values for a path that matches once');
    expected = expected[0];
  }
  if (expected !== null && typeof expected === 'object') return todo('an expected object or list');
  return { expect: `${subject} == ${literal(expected)}` };
}

/** `$.a.b[0]['c-d']` → ['a', 'b', 0, 'c-d']; undefined for anything but plain members and indexes. */
export function plainJsonPath(path: string): (string | number)[] | undefined {
  let p = path.trim();
  if (p.startsWith('$')) p = p.slice(1);
  else if (p && !p.startsWith('.') && !p.startsWith('[')) p = `.${p}`;
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let i = 0;
  while (i < p.length) {
    re.lastIndex = i;
    const m = re.exec(p);
    if (!m) return undefined;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])));
    i = re.lastIndex;
  }
  return out.length ? out : undefined;
}
