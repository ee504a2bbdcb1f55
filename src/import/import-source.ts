/**
 * One import, without touching the disk: source text in; the draft's YAML (validated), the script
 * files to write next to it and the mapping report out. The CLI (src/cli/commands/import.ts) reads and
 * writes the files.
 */
import path from 'node:path';
import type { AdapterRegistry } from '../runbook/adapter-inputs';
import { mapExperiment } from './chaostoolkit/map-experiment';
import { readExperiment } from './chaostoolkit/read-experiment';
import type { Draft } from './draft';
import { buildReport, type MappingReport } from './mapping-report';
import { mapJob } from './rundeck/map-job';
import { readRundeckJob } from './rundeck/read-job';
import { renderDraft } from './write-draft';

export type ImportTool = 'chaostoolkit' | 'rundeck';

export interface ImportRequest {
  tool: ImportTool;
  /** The source file as the user named it (diagnostics and comments say this). */
  file: string;
  text: string;
  /** Where the draft goes; undefined: stdout. */
  outFile?: string;
  /** The folder relative paths are resolved from. */
  cwd: string;
  owners?: string[];
  services?: string[];
  /** Rundeck: which job of a file holding several. */
  job?: string;
  /** The adapters the draft is validated against (activities/adapters/index.ts `adapterRegistry`). */
  registry: AdapterRegistry;
}

export interface ImportResult {
  yaml: string;
  /** Absolute paths. */
  scripts: { path: string; body: string }[];
  scriptsDir?: string;
  report: MappingReport;
}

/** @throws ImportRefused for bad input (located); DraftInvalid for an importer bug. */
export function importSource(req: ImportRequest): ImportResult {
  const meta = { owners: req.owners, services: req.services };
  let draft: Draft;
  if (req.tool === 'chaostoolkit') draft = mapExperiment(readExperiment(req.text, req.file), meta);
  else draft = mapJob(readRundeckJob(req.text, req.file, req.job), meta);

  const outAbs = req.outFile ? path.resolve(req.cwd, req.outFile) : undefined;
  const stem = outAbs ? path.basename(outAbs).replace(/\.ya?ml$/i, '') : draft.meta.name;
  const scriptsDir = draft.scripts.length ? path.join(outAbs ? path.dirname(outAbs) : req.cwd, `${stem}-scripts`) : undefined;
  const yaml = renderDraft(draft, { draftFile: req.outFile ?? `${draft.meta.name}.yaml`, scriptsDir, registry: req.registry });
  const scripts = draft.scripts.map((s) => ({ path: path.join(scriptsDir!, s.fileName), body: s.body }));
  const report = buildReport(req.tool, req.file, req.outFile ?? null, scripts.map((s) => s.path), draft.report);
  return { yaml, scripts, scriptsDir, report };
}
