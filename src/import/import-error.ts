/**
 * Why an import was refused: the source file is not JSON/YAML/XML, not an experiment or a job, or of a
 * version the importer does not know. Each problem is located (file:line:col), like `validate`'s.
 */
export interface SourcePlace {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface ImportProblem extends SourcePlace {
  message: string;
}

export class ImportRefused extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ImportProblem): string {
  return `${p.file}:${p.line}:${p.col}: error: ${p.message}`;
}

/** `FILE:LINE`, the form of the `# from` comments and the report. */
export function placeText(p: SourcePlace): string {
  return `${p.file}:${p.line}`;
}
