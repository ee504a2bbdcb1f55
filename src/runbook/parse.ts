/**
 * Reads runbook YAML keeping source positions, so every later diagnostic can point at file:line:col.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import { capMessage, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { excerpt, runbookLimits, type RunbookLimits } from './limits';

export interface RunbookSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain data; undefined when the YAML itself is broken. */
  value: unknown;
  /** YAML syntax errors and warnings. */
  diagnostics: Diagnostic[];
}

export interface Position {
  line: number;
  col: number;
}

/**
 * Parses YAML text; never throws. With syntax errors, or past a limit of src/runbook/limits.ts (size,
 * aliases, nodes, nesting, text length), `value` is undefined and `diagnostics` say where.
 */
export function parseRunbookYaml(text: string, file: string, limits: RunbookLimits = runbookLimits()): RunbookSource {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return refused(file, text, 'limit.file_size', `a runbook of ${bytes} bytes is larger than the limit of ${limits.maxBytes} (DRILLBOOK_RUNBOOK_MAX_BYTES)`);
  }
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // prettyErrors adds a code excerpt to messages; we print file:line:col instead.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    return refused(file, text, 'yaml.syntax', `invalid YAML: ${err instanceof RangeError ? `nested deeper than the parser can follow (at most ${limits.maxDepth} levels)` : (err as Error).message.slice(0, 200)}`);
  }
  const diagnostics: Diagnostic[] = [];
  const push = (err: { code: string; message: string; pos: [number, number] }, severity: 'error' | 'warning') => {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    diagnostics.push({ file, line, col, path: [], code: 'yaml.syntax', message: capMessage(yamlMessage(err, text)), severity });
  };
  doc.errors.forEach((e) => push(e, 'error'));
  doc.warnings.forEach((w) => push(w, 'warning'));
  const source: RunbookSource = { file, text, doc, lineCounter, value: undefined, diagnostics };
  if (doc.errors.length > 0) return source;

  const aliases = aliasPositions(doc);
  if (aliases.length > limits.maxAliases) {
    const { line, col } = lineCounter.linePos(aliases[limits.maxAliases]);
    diagnostics.push({ file, line, col, path: [], code: 'limit.yaml_aliases', message: `more than ${limits.maxAliases} YAML aliases (${aliases.length})`, severity: 'error' });
    return source;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (err) {
    // The yaml package refuses an alias that expands to too much (a "billion laughs" document).
    const { line, col } = lineCounter.linePos(aliases[0] ?? 0);
    const why = err instanceof RangeError ? 'the document is nested too deeply' : 'aliases expand to too much data (an alias bomb)';
    diagnostics.push({ file, line, col, path: [], code: err instanceof RangeError ? 'limit.size' : 'limit.yaml_aliases', message: why, severity: 'error' });
    return source;
  }
  const overLimit = checkSize(value, limits);
  for (const f of overLimit) {
    const { line, col } = locate(source, f.path, { key: f.key });
    diagnostics.push({ file, line, col, path: f.path, code: f.code, message: f.message, severity: 'error' });
  }
  if (overLimit.length === 0) source.value = value;
  return source;
}

function refused(file: string, text: string, code: DiagnosticCode, message: string): RunbookSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument('', { lineCounter });
  return { file, text, doc, lineCounter, value: undefined, diagnostics: [{ file, line: 1, col: 1, path: [], code, message, severity: 'error' }] };
}

function aliasPositions(doc: Document.Parsed): number[] {
  const found: number[] = [];
  visit(doc, {
    Alias(_key, node) {
      found.push(node.range?.[0] ?? 0);
    },
  });
  return found;
}

interface SizeFinding {
  path: (string | number)[];
  key?: boolean;
  code: DiagnosticCode;
  message: string;
}

/** At most this many size findings: one huge value is enough to say, a thousand would be a flood. */
const MAX_SIZE_FINDINGS = 10;

/** Nodes, nesting and text lengths of the plain data, walked without recursion. */
function checkSize(root: unknown, limits: RunbookLimits): SizeFinding[] {
  const findings: SizeFinding[] = [];
  const tooLong = (text: string, path: (string | number)[], key: boolean) => {
    findings.push({
      path,
      key,
      code: 'limit.string_length',
      message: `a ${key ? 'key' : 'text'} of ${text.length} characters is longer than the limit of ${limits.maxStringLength} ("${excerpt(text, limits.maxExcerpt)}")`,
    });
  };
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  let nodes = 0;
  while (stack.length > 0 && findings.length < MAX_SIZE_FINDINGS) {
    const { value, path } = stack.pop()!;
    nodes += 1;
    if (nodes > limits.maxNodes) {
      findings.push({ path: [], code: 'limit.size', message: `more than ${limits.maxNodes} values in the document` });
      break;
    }
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) tooLong(value, path, false);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= limits.maxDepth) {
      findings.push({ path, code: 'limit.size', message: `nested deeper than ${limits.maxDepth} levels` });
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
      continue;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k.length > limits.maxStringLength) {
        tooLong(k, [...path, k], true);
        continue;
      }
      stack.push({ value: v, path: [...path, k] });
    }
  }
  return findings;
}

function yamlMessage(err: { code: string; message: string; pos: [number, number] }, text: string): string {
  switch (err.code) {
    case 'DUPLICATE_KEY':
      // pos covers only the key's first character: read the whole key from there.
      return `duplicate key "${/^[^\s:]*/.exec(text.slice(err.pos[0]))?.[0] ?? ''}"`;
    case 'MULTIPLE_DOCS':
      return 'a runbook file holds one YAML document (found a second "---")';
    default:
      return `invalid YAML: ${err.message}`;
  }
}

export interface LocateOptions {
  /** Point at the key of the last path segment rather than its value (unknown keys). */
  key?: boolean;
  /** Offset inside the string value at `path` (expression errors); used when the text maps 1:1. */
  offset?: number;
}

/**
 * The line:col of the node at `path` (1-based). Where the path leaves the document (a missing key),
 * the deepest node that exists: the parent object, which is where the key should be added.
 */
export function locate(source: RunbookSource, path: readonly (string | number)[], options: LocateOptions = {}): Position {
  const { doc, lineCounter } = source;
  let node: YamlNode | null = resolve(doc, doc.contents as YamlNode | null);
  let keyNode: YamlNode | null = null;
  for (const seg of path) {
    keyNode = null;
    let next: YamlNode | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        keyNode = pair.key as YamlNode;
        // `key:` with no value: point at the key.
        next = resolve(doc, pair.value as YamlNode | null) ?? keyNode;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = resolve(doc, (node.items[seg] as YamlNode | undefined) ?? null);
    }
    if (!next) break;
    node = next;
  }
  const target = options.key && keyNode ? keyNode : node;
  if (!target?.range) return { line: 1, col: 1 };
  return lineCounter.linePos(target.range[0] + scalarOffset(source, target, options.offset));
}

function resolve(doc: Document.Parsed, node: YamlNode | null): YamlNode | null {
  if (node && isAlias(node)) return (node.resolve(doc) as YamlNode | undefined) ?? node;
  return node;
}

/** How far into a scalar's source text `offset` (an index into its value) lies, when that is knowable. */
function scalarOffset(source: RunbookSource, node: YamlNode, offset: number | undefined): number {
  if (!offset || !isScalar(node) || typeof node.value !== 'string' || !node.range) return 0;
  const raw = source.text.slice(node.range[0], node.range[1]);
  if (node.type === 'PLAIN' && raw === node.value) return offset;
  const quoted = node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE';
  if (quoted && raw.slice(1, -1) === node.value) return offset + 1;
  return 0; // escapes, folding or block scalars: the value's start is the honest answer
}
