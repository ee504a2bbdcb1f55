/** Imports a fixture of test/fixtures/import as the CLI would, into a temporary folder, and loads the draft. */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { adapterRegistry } from '../../../activities/adapters/index';
import { importSource, type ImportResult, type ImportTool } from '../../../src/import/import-source';
import { loadRunbookText, type LoadResult } from '../../../src/runbook/load';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'import');

export interface Imported extends ImportResult {
  loaded: LoadResult;
  /** The draft as plain data. */
  data: { params?: Record<string, Record<string, unknown>>; prechecks?: Step[]; steps: Step[] };
  sourceLines: string[];
}

export type Step = Record<string, unknown> & { id: string; kind: string };

export function importFixture(tool: ImportTool, name: string, opts: { job?: string } = {}): Imported {
  const file = path.join(FIXTURES, name);
  const text = readFileSync(file, 'utf8');
  // importSource writes nothing: the folder only decides where the draft says its scripts are.
  const dir = path.join(tmpdir(), 'drillbook-import');
  const result = importSource({ tool, file, text, cwd: dir, outFile: path.join(dir, 'draft.yaml'), job: opts.job, registry: adapterRegistry });
  return {
    ...result,
    loaded: loadRunbookText(result.yaml, 'draft.yaml', { registry: adapterRegistry }),
    data: parseDocument(result.yaml).toJS() as Imported['data'],
    sourceLines: text.split('\n'),
  };
}

/** Each step's `# from FILE:LINE` comment, in order. */
export function fromComments(yaml: string, file: string): number[] {
  return [...yaml.matchAll(/^\s*# from (.+):(\d+)$/gm)].filter((m) => m[1] === file).map((m) => Number(m[2]));
}
