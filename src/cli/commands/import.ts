import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import { ImportRefused } from '../../import/import-error';
import { importSource, type ImportTool } from '../../import/import-source';
import { formatReport } from '../../import/mapping-report';
import { DraftInvalid } from '../../import/write-draft';
import { CliError, EXIT } from '../exit-codes';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';

const TOOLS: Record<ImportTool, string> = {
  chaostoolkit: 'a Chaos Toolkit experiment (JSON or YAML)',
  rundeck: 'a Rundeck job definition (YAML or XML)',
};

/** `drillbook import chaostoolkit|rundeck FILE`: a runbook draft that validates, and a report of what mapped. */
export function importCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const cmd = new Command('import').description('turn a Chaos Toolkit experiment or a Rundeck job into a runbook draft (validated) and a mapping report');
  for (const [tool, what] of Object.entries(TOOLS) as [ImportTool, string][]) {
    const sub = new Command(tool)
      .description(`import ${what}`)
      .argument('<file>', 'the source file')
      .option('-o, --out <file>', 'write the draft here (default: stdout); script files go to <name>-scripts/ beside it')
      .option('--report <file>', 'also write the mapping report as JSON')
      .option('--owner <owner>', 'an owner of the runbook (repeatable)', collect)
      .option('--service <name>', 'a service the runbook drills (repeatable)', collect)
      .option('--force', 'overwrite the draft, the report and script files that exist')
      .option('--json', 'print the mapping report as JSON on stdout instead of the text on stderr (with the draft as "yaml" when there is no --out)')
      .action((file: string, opts: ImportOptions) => run(async () => importFile(tool, file, opts)));
    if (tool === 'rundeck') sub.option('--job <name>', 'which job of a file holding several (name or group/name)');
    cmd.addCommand(sub);
  }
  return cmd;
}

interface ImportOptions {
  out?: string;
  report?: string;
  owner?: string[];
  service?: string[];
  force?: boolean;
  job?: string;
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  if (!value.trim()) throw new InvalidArgumentError('must not be empty');
  return [...previous, value];
}

function importFile(tool: ImportTool, file: string, opts: ImportOptions): CommandResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`${file}: cannot read it: ${reason}`, EXIT.invalid);
  }
  let result;
  try {
    result = importSource({
      tool,
      file,
      text,
      outFile: opts.out,
      cwd: process.cwd(),
      owners: opts.owner?.length ? opts.owner : undefined,
      services: opts.service?.length ? opts.service : undefined,
      job: opts.job,
      registry: adapterRegistry,
    });
  } catch (err) {
    if (err instanceof ImportRefused) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.invalid;
    }
    if (err instanceof DraftInvalid) throw new CliError(err.message, EXIT.unavailable);
    throw err;
  }

  // Refuse before writing anything, so a refused import changes nothing.
  const targets = [opts.out, opts.report, ...result.scripts.map((s) => s.path)].filter((f): f is string => !!f);
  const folders = targets.filter((f) => existsSync(f) && statSync(f).isDirectory());
  if (folders.length) throw new CliError(`${folders.join(', ')} is a folder; name a file`, EXIT.usage);
  const existing = opts.force ? [] : targets.filter((f) => existsSync(f));
  if (existing.length) throw new CliError(`would overwrite ${existing.join(', ')}; use --force`, EXIT.usage);

  if (result.scriptsDir) mkdirSync(result.scriptsDir, { recursive: true });
  for (const s of result.scripts) writeFileSync(s.path, s.body, { mode: 0o755 });
  if (opts.out) {
    mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    writeFileSync(opts.out, result.yaml);
  } else if (!opts.json) {
    process.stdout.write(result.yaml);
  }
  if (opts.report) {
    mkdirSync(path.dirname(path.resolve(opts.report)), { recursive: true });
    writeFileSync(opts.report, `${JSON.stringify(result.report, null, 2)}\n`);
  }
  if (opts.json) printJson(opts.out ? result.report : { ...result.report, yaml: result.yaml });
  else process.stderr.write(formatReport(result.report));
  return EXIT.ok;
}
