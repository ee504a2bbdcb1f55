/**
 * A Rundeck job as the mapper reads it, the same whether it came from the YAML or the XML job
 * definition format, each element with where it is in the source.
 */
import type { SourcePlace } from '../import-error';

export interface RundeckOption {
  name: string;
  at: SourcePlace;
  description?: string;
  /** The default value. For a secure option it is a secret: never written into a draft. */
  value?: string;
  values?: string[];
  enforced: boolean;
  regex?: string;
  required: boolean;
  secure: boolean;
  /** A secure option's default from Rundeck's key storage. */
  storagePath?: string;
  valueExposed?: boolean;
  multivalued: boolean;
}

interface ScriptCommon {
  args?: string;
  interpreter?: string;
  argsQuoted?: boolean;
}

export type CommandBody =
  | { kind: 'exec'; command: string }
  | ({ kind: 'script'; script: string } & ScriptCommon)
  | ({ kind: 'scriptfile'; path: string } & ScriptCommon)
  | ({ kind: 'scripturl'; url: string } & ScriptCommon)
  | { kind: 'jobref'; name: string; group?: string; args?: string; nodeStep: boolean }
  | { kind: 'plugin'; type: string; nodeStep: boolean; config: Record<string, string> }
  | { kind: 'unknown'; what: string };

export interface RundeckStep {
  at: SourcePlace;
  description?: string;
  body: CommandBody;
}

export interface RundeckCommand extends RundeckStep {
  errorHandler?: RundeckStep & { keepgoingOnSuccess: boolean };
}

export interface RundeckNodeFilter {
  at: SourcePlace;
  /** The filter string (`tags: web name: web-.*`). */
  filter?: string;
  /** The deprecated include map (`name`, `tags`, `hostname`, ...). */
  include?: Record<string, string>;
  exclude?: boolean;
}

export interface RundeckJob {
  file: string;
  format: 'yaml' | 'xml';
  at: SourcePlace;
  name: string;
  description?: string;
  group?: string;
  options: RundeckOption[];
  keepgoing: boolean;
  /** node-first, step-first, sequential, parallel, or a strategy plugin's name. */
  strategy: string;
  sequenceAt: SourcePlace;
  commands: RundeckCommand[];
  nodeFilter?: RundeckNodeFilter;
  /** Job settings drillbook has no place for (schedule, notification, timeout, ...), for the report. */
  extras: { key: string; at: SourcePlace }[];
}

/** Job keys the mapper reads; any other is reported as not mapped. */
export const READ_KEYS = ['name', 'description', 'group', 'uuid', 'id', 'project', 'options', 'context', 'sequence', 'nodefilters', 'loglevel'];

/** Rundeck writes booleans as text in both formats. */
export function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}
