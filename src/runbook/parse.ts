/**
 * Reads runbook YAML keeping source positions, so every later diagnostic can point at file:line:col.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Diagnostic } from './diagnostics';

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

/** Parses YAML text; never throws. With syntax errors, `value` is undefined and `diagnostics` say where. */
export function parseRunbookYaml(text: string, file: string): RunbookSource {
  const lineCounter = new LineCounter();
  // prettyErrors adds a code excerpt to messages; we print file:line:col instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const push = (err: { code: string; message: string; pos: [number, number] }, severity: 'error' | 'warning') => {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    diagnostics.push({ file, line, col, path: [], code: 'yaml.syntax', message: yamlMessage(err, text), severity });
  };
  doc.errors.forEach((e) => push(e, 'error'));
  doc.warnings.forEach((w) => push(w, 'warning'));
  const value = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { file, text, doc, lineCounter, value, diagnostics };
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
