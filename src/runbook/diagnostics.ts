/**
 * Runbook problems as diagnostics: where (file:line:col and the path inside the document), what (a
 * stable code from {@link DIAGNOSTIC_CODES}) and a message meant for the author.
 */

/** Every diagnostic code. Codes are a contract (tests, CI annotations): add, never rename. */
export const DIAGNOSTIC_CODES = {
  'file.unreadable': 'the runbook file cannot be read',
  'yaml.syntax': 'the file is not valid YAML',
  'yaml.not_a_map': 'the document is not a mapping of runbook fields',
  'schema.unknown_key': 'a key the format does not define (often a typo)',
  'schema.missing_key': 'a required key is absent',
  'schema.unknown_kind': 'a step kind that does not exist',
  'schema.type': 'a value of the wrong type',
  'schema.invalid_value': 'a value outside the allowed set',
  'schema.invalid': 'any other shape problem',
  'duration.invalid': 'a duration that cannot be read',
  'param.secret_value': 'a secret given as a value instead of a reference',
  'param.default_type': "a default that does not match the param's type",
  'param.required_with_default': 'a required param that also has a default',
  'step.duplicate_id': 'two steps with one id',
  'step.unknown_need': 'needs names a step that does not exist',
  'step.cycle': 'steps that need each other in a cycle',
  'step.precheck_needs_main': 'a pre-check that needs a main step',
  'step.duplicate_need': 'the same step listed twice in needs',
  'expression.syntax': 'an expression or template that cannot be parsed',
  'ref.unknown_name': 'an expression reads a name other than mode, params, steps (or output)',
  'ref.unknown_param': 'an expression reads a param the runbook does not declare',
  'ref.unknown_step': 'an expression reads a step that does not exist',
  'ref.unknown_step_field': 'an expression reads steps.<id>.<field> other than output or status',
  'ref.not_upstream': 'an expression reads a step that is not a (transitive) need',
  'ref.unknown_mode': 'mode compared with a mode the runbook does not declare',
  'ref.dynamic': 'a name computed at run time, which cannot be checked',
  'adapter.unknown': 'an adapter that is not registered',
  'adapter.input': "an input that fails the adapter's schema",
  'step.local_with_site': 'a step both local (run in the workflow\'s worker) and pinned to a site',
  'mark.duplicate': 'a mark that may be set by one step only, set by several',
  'mark.unpaired': 'rto.end without rto.start, or the reverse',
  'mark.missing': 'an objective with no step marking how to measure it',
  'secret.out_of_scope': "a secret reference outside the worker's scope (env: names, file: folders)",
  'exec.shell_template': 'a template inside the script of a shell run with -c, reading a value not declared safe',
  'limit.file_size': 'a runbook file larger than the limit',
  'limit.yaml_aliases': 'more YAML aliases than allowed, or an alias expanding to too much',
  'limit.string_length': 'a text value longer than the limit',
  'limit.expression': 'an expression longer or more deeply nested than the limit',
  'limit.size': 'a document with more nodes or deeper nesting than the limit',
  'campaign.phase_runbook': "a campaign phase's runbook cannot be read or has errors",
  'campaign.phase_mode': "a campaign phase's mode that its runbook does not declare",
  'campaign.phase_param': "a campaign phase's param that its runbook does not declare",
  'campaign.unknown_figure': "a campaign phase's figure naming a step its runbook does not have",
} as const;
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Path inside the document (`['steps', 2, 'needs', 0]`); empty for the whole file. */
  path: (string | number)[];
  code: DiagnosticCode;
  message: string;
  severity: Severity;
}

/** `file:line:col: error: message`, the format compilers use (editors and CI link it). */
export function formatDiagnostic(d: Diagnostic): string {
  return `${capText(d.file, 300)}:${d.line}:${d.col}: ${d.severity}: ${capMessage(d.message)}`;
}

/** Longest diagnostic message: a message may quote a value, and a value may be megabytes. */
export const MAX_MESSAGE_LENGTH = 500;

export function capMessage(message: string): string {
  return capText(message, MAX_MESSAGE_LENGTH);
}

function capText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** File order (line, then column); stable, so diagnostics at one place keep the order they were found in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** The closest of `candidates` to a misspelt `word`, if close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean "needs"?` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : `; did you mean "${s}"?`;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters (`actoin`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
