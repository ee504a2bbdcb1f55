/**
 * Renders a draft as runbook YAML with its comments, and proves it valid: the YAML goes through the
 * same loader as `drillbook validate`, so a draft that would not validate is an importer bug reported
 * as such, never a file handed to a person.
 */
import { Document, isMap, isPair, isScalar, isSeq, visit, type Pair, type YAMLMap } from 'yaml';
import type { AdapterRegistry } from '../runbook/adapter-inputs';
import { formatDiagnostic } from '../runbook/diagnostics';
import { loadRunbookText } from '../runbook/load';
import { API_VERSION } from '../runbook/schema';
import { SCRIPTS_DIR_PARAM, type Draft, type DraftStep } from './draft';
import { placeText } from './import-error';

/** Lists short enough to read on one line. */
const FLOW_KEYS = new Set(['argv', 'needs', 'owners', 'services', 'modes', 'marks', 'evidence', 'status', 'expectExitCode']);

export interface RenderOptions {
  /** The draft's own file name, as diagnostics should name it. */
  draftFile: string;
  /** Absolute folder the scripts are written to: the default of the `scriptsDir` param. */
  scriptsDir?: string;
  /** The adapters the draft is validated against (the caller's: activities/adapters/index.ts `adapterRegistry`). */
  registry: AdapterRegistry;
}

export class DraftInvalid extends Error {}

/** @throws DraftInvalid when the rendered runbook does not validate (an importer bug). */
export function renderDraft(draft: Draft, options: RenderOptions): string {
  const params: Record<string, unknown> = {};
  for (const [name, p] of draft.params) {
    params[name] = name === SCRIPTS_DIR_PARAM && options.scriptsDir ? { ...p.body, default: options.scriptsDir } : p.body;
  }
  const data: Record<string, unknown> = {
    apiVersion: API_VERSION,
    name: draft.meta.name,
    version: draft.meta.version,
    ...(draft.meta.description ? { description: draft.meta.description } : {}),
    owners: draft.meta.owners,
    services: draft.meta.services,
    modes: ['drill'],
    ...(draft.params.size ? { params } : {}),
    ...(draft.prechecks.length ? { prechecks: draft.prechecks.map((s) => s.body) } : {}),
    steps: draft.steps.map((s) => s.body),
  };
  // No anchors: a check repeated after the method is written out again, not as an alias.
  const doc = new Document(data, { aliasDuplicateObjects: false });
  doc.commentBefore = [
    ` Imported by \`drillbook import ${draft.tool}\` from ${draft.sourceFile}.`,
    ' A DRAFT: settle every "TODO(import)" below, then `drillbook validate` it and run it as a drill.',
  ].join('\n');

  const root = doc.contents as YAMLMap;
  for (const [key, lines] of Object.entries(draft.topNotes)) noteKey(root, key, lines);
  const paramMap = doc.get('params', true);
  if (isMap(paramMap)) for (const [name, p] of draft.params) noteKey(paramMap, name, p.notes);
  annotateSteps(doc, 'prechecks', draft.prechecks);
  annotateSteps(doc, 'steps', draft.steps);

  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FLOW_KEYS.has(String(pair.key.value)) && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  const yaml = doc.toString({ lineWidth: 0 });

  const { plan, diagnostics } = loadRunbookText(yaml, options.draftFile, { registry: options.registry });
  if (!plan) {
    throw new DraftInvalid(
      `the draft does not validate (an importer bug; please report it with the source file):\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
  }
  return yaml;
}

function annotateSteps(doc: Document, section: 'prechecks' | 'steps', steps: DraftStep[]): void {
  steps.forEach((step, i) => {
    const node = doc.getIn([section, i], true);
    if (!isMap(node)) return;
    node.commentBefore = [` from ${placeText(step.from)}`, ...step.notes.map((n) => ` ${n}`)].join('\n');
    for (const [dotPath, lines] of Object.entries(step.keyNotes)) {
      const parts = dotPath.split('.');
      const parent = parts.length > 1 ? doc.getIn([section, i, ...parts.slice(0, -1)], true) : node;
      if (isMap(parent)) noteKey(parent, parts[parts.length - 1], lines);
    }
  });
}

/** Comment lines above `key` in `map` (added to any already there). */
function noteKey(map: YAMLMap, key: string, lines: string[]): void {
  if (!lines.length) return;
  const pair = map.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
  if (!pair || !isScalar(pair.key)) return;
  const text = lines.map((l) => ` ${l}`).join('\n');
  pair.key.commentBefore = pair.key.commentBefore ? `${pair.key.commentBefore}\n${text}` : text;
}
