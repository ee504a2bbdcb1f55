/**
 * A JSON or YAML source file with the position of every value: YAML is a superset of JSON, so one
 * reader (the runbook parser's, with its line counter) serves both; JSON is first checked strictly so
 * that a trailing comma in an experiment is reported as bad JSON, where it is.
 */
import { locate, parseRunbookYaml, type RunbookSource } from '../runbook/parse';
import { ImportRefused, type SourcePlace } from './import-error';

export type SourcePath = readonly (string | number)[];

export interface StructuredSource {
  file: string;
  format: 'json' | 'yaml';
  value: unknown;
  /** Where the value at `path` starts (the parent's position when the path leaves the document). */
  at(path: SourcePath): SourcePlace;
}

/** @throws ImportRefused when the text is neither valid JSON (when it looks like JSON) nor valid YAML. */
export function readStructured(text: string, file: string): StructuredSource {
  const looksJson = /\.json$/i.test(file) || /^\s*[[{]/.test(text);
  if (looksJson) {
    try {
      JSON.parse(text);
    } catch (err) {
      const { line, col } = jsonErrorPlace(text, (err as Error).message);
      throw new ImportRefused([{ file, line, col, message: `not valid JSON: ${jsonReason((err as Error).message)}` }]);
    }
  }
  const source: RunbookSource = parseRunbookYaml(text, file);
  const errors = source.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || source.value === undefined) {
    throw new ImportRefused(
      errors.map((d) => ({
        file,
        line: d.line,
        col: d.col,
        // The runbook parser speaks of runbooks; here the file is a source to import.
        message: d.message.replace('a runbook file holds one YAML document', 'the file must hold one YAML document'),
      })),
    );
  }
  return {
    file,
    format: looksJson ? 'json' : 'yaml',
    value: source.value,
    at: (path) => ({ file, ...locate(source, path) }),
  };
}

/** Node's JSON.parse names a character offset ("at position 42"); turn it into line:col. */
function jsonErrorPlace(text: string, message: string): { line: number; col: number } {
  const m = /position (\d+)/.exec(message);
  const offset = m ? Math.min(Number(m[1]), text.length) : 0;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** The message without the offset (said as line:col) and without Node's excerpt of the text. */
function jsonReason(message: string): string {
  return message.replace(/ in JSON at position \d+.*$/, '').replace(/,\s*".*" is not valid JSON$/s, '').trim() || 'syntax error';
}
