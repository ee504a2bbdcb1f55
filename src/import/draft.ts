/**
 * A runbook draft as the mappers build it: the runbook's data plus what the writer turns into YAML
 * comments (where each step came from, what a person must decide), the script files to write next to
 * it, and the mapping report. Mappers only add to it; write-draft.ts renders it.
 */
import type { SourcePlace } from './import-error';
import { IdAllocator, paramName } from './names';

export type ReportStatus =
  /** Became its drillbook equivalent. */
  | 'mapped'
  /** Became something that runs, with a TODO a person must settle. */
  | 'partial'
  /** Became a manual step: a person does it (or ports it). */
  | 'manual'
  /** Left out, with the reason. */
  | 'not-mapped';

export interface ReportEntry {
  /** The source element, e.g. `method[2] action "stop-db"`. */
  element: string;
  at: SourcePlace;
  status: ReportStatus;
  /** What it became: `step stop-db`, `param base_url`, ... (empty when not mapped). */
  became: string[];
  note?: string;
}

export interface DraftStep {
  body: Record<string, unknown>;
  from: SourcePlace;
  /** Comment lines above the step, after its `# from FILE:LINE`. */
  notes: string[];
  /** Dot path of a key inside the step (`action.input.argv`) → comment lines above that key. */
  keyNotes: Record<string, string[]>;
}

export interface DraftParam {
  body: Record<string, unknown>;
  notes: string[];
}

export interface DraftScript {
  /** File name inside the scripts folder. */
  fileName: string;
  body: string;
  from: SourcePlace;
}

/** The param that says where the workers find the scripts written next to the runbook. */
export const SCRIPTS_DIR_PARAM = 'scriptsDir';

export class Draft {
  readonly ids = new IdAllocator();
  readonly params = new Map<string, DraftParam>();
  readonly prechecks: DraftStep[] = [];
  readonly steps: DraftStep[] = [];
  readonly scripts: DraftScript[] = [];
  readonly report: ReportEntry[] = [];
  /** Top-level key → comment lines above it. */
  readonly topNotes: Record<string, string[]> = {};

  constructor(
    readonly tool: 'chaostoolkit' | 'rundeck',
    readonly sourceFile: string,
    public meta: { name: string; version: string; description?: string; owners: string[]; services: string[] },
  ) {}

  /** Adds a param under a free identifier made from `wanted`; returns the name used. */
  addParam(wanted: string, body: Record<string, unknown>, notes: string[] = []): string {
    const base = paramName(wanted);
    let name = base;
    for (let n = 2; this.params.has(name); n++) name = `${base}_${n}`;
    this.params.set(name, { body, notes });
    return name;
  }

  record(entry: ReportEntry): void {
    this.report.push(entry);
  }

  /** Registers a script file and returns the argv element that names it on the worker. */
  addScript(fileName: string, body: string, from: SourcePlace): string {
    if (!this.params.has(SCRIPTS_DIR_PARAM)) {
      this.params.set(SCRIPTS_DIR_PARAM, {
        body: { type: 'string', description: 'The folder holding the scripts imported next to this runbook, as the workers see it' },
        notes: ['where the workers find the imported scripts; pass -p scriptsDir=… when they see them elsewhere'],
      });
    }
    this.scripts.push({ fileName, body, from });
    return `\${{ params.${SCRIPTS_DIR_PARAM} }}/${fileName}`;
  }
}

export function newStep(body: Record<string, unknown>, from: SourcePlace, notes: string[] = []): DraftStep {
  return { body, from, notes, keyNotes: {} };
}
