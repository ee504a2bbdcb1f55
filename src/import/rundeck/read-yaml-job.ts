/**
 * Rundeck's YAML job definition: a list of jobs (a single job mapping is accepted too), each with
 * `name`, `description`, `options` (a list of `{name, ...}` or a map name → option), `sequence`
 * (`keepgoing`, `strategy`, `commands`), `nodefilters`, and settings such as `schedule`.
 */
import { ImportRefused, type ImportProblem } from '../import-error';
import type { SourcePath, StructuredSource } from '../structured-source';
import { READ_KEYS, truthy, type CommandBody, type RundeckCommand, type RundeckJob, type RundeckOption, type RundeckStep } from './job-model';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function readYamlJobs(src: StructuredSource, wanted: string | undefined): RundeckJob {
  const root = src.value;
  const jobs: { job: Obj; path: SourcePath }[] = Array.isArray(root)
    ? root.map((job, i) => ({ job: job as Obj, path: [i] }))
    : isObj(root)
      ? [{ job: root, path: [] }]
      : [];
  const refuse = (path: SourcePath, message: string): never => {
    throw new ImportRefused([{ ...src.at(path), message }]);
  };
  if (jobs.length === 0) refuse([], 'not a Rundeck job definition: expected a list of jobs (name, sequence, ...)');
  for (const { job, path } of jobs) {
    if (!isObj(job) || !isObj(job.sequence)) refuse(path, 'not a Rundeck job: a job is a mapping with a name and a sequence of commands');
  }
  const chosen = pickJob(jobs, wanted, (path, message) => refuse(path, message));
  return readJob(src, chosen.job, chosen.path);
}

function pickJob<T extends { job: Obj; path: SourcePath }>(jobs: T[], wanted: string | undefined, refuse: (path: SourcePath, m: string) => never): T {
  const names = jobs.map((j) => String(j.job.name ?? ''));
  if (wanted !== undefined) {
    const found = jobs.find((j) => j.job.name === wanted || `${String(j.job.group ?? '')}/${String(j.job.name)}` === wanted);
    if (!found) refuse([], `no job named "${wanted}" in the file (its jobs: ${names.map((n) => `"${n}"`).join(', ')})`);
    return found!;
  }
  if (jobs.length > 1) refuse([], `the file holds ${jobs.length} jobs (${names.map((n) => `"${n}"`).join(', ')}): choose one with --job NAME`);
  return jobs[0];
}

function readJob(src: StructuredSource, job: Obj, path: SourcePath): RundeckJob {
  const problems: ImportProblem[] = [];
  const problem = (p: SourcePath, message: string) => problems.push({ ...src.at(p), message });
  if (typeof job.name !== 'string' || !job.name.trim()) problem(job.name === undefined ? path : [...path, 'name'], 'a job needs a name');
  const seq = job.sequence as Obj;
  if (!Array.isArray(seq.commands) || seq.commands.length === 0) problem([...path, 'sequence', ...('commands' in seq ? ['commands'] : [])], 'a job\'s sequence needs a non-empty list of commands');
  const commands: RundeckCommand[] = [];
  (Array.isArray(seq.commands) ? seq.commands : []).forEach((c, i) => {
    const cpath = [...path, 'sequence', 'commands', i];
    if (!isObj(c)) return problem(cpath, 'a command is a mapping (exec, script, scriptfile, jobref, or a plugin type)');
    const step = readStep(src, c, cpath);
    const handler = c.errorhandler;
    if (handler !== undefined && !isObj(handler)) problem([...cpath, 'errorhandler'], 'an error handler is a mapping like a command');
    commands.push({
      ...step,
      ...(isObj(handler) ? { errorHandler: { ...readStep(src, handler, [...cpath, 'errorhandler']), keepgoingOnSuccess: truthy(handler.keepgoingOnSuccess) } } : {}),
    });
  });
  if (problems.length) throw new ImportRefused(problems);

  const options = readOptions(src, job.options, [...path, 'options']);
  const nf = job.nodefilters;
  const extras = Object.keys(job)
    .filter((k) => !READ_KEYS.includes(k))
    .map((key) => ({ key, at: src.at([...path, key]) }));
  return {
    file: src.file,
    format: 'yaml',
    at: src.at(path),
    name: String(job.name),
    description: text(job.description),
    group: text(job.group),
    options,
    keepgoing: truthy(seq.keepgoing),
    strategy: String(seq.strategy ?? 'node-first'),
    sequenceAt: src.at([...path, 'sequence']),
    commands,
    ...(isObj(nf)
      ? {
          nodeFilter: {
            at: src.at([...path, 'nodefilters']),
            filter: text(nf.filter),
            ...(isObj(nf.include) ? { include: Object.fromEntries(Object.entries(nf.include).map(([k, v]) => [k, String(v)])) } : {}),
            exclude: nf.exclude !== undefined,
          },
        }
      : {}),
    extras,
  };
}

function readOptions(src: StructuredSource, raw: unknown, path: SourcePath): RundeckOption[] {
  const entries: { o: Obj; name: string; path: SourcePath }[] = [];
  if (Array.isArray(raw)) raw.forEach((o, i) => isObj(o) && entries.push({ o, name: String(o.name ?? `option${i + 1}`), path: [...path, i] }));
  else if (isObj(raw)) for (const [name, o] of Object.entries(raw)) entries.push({ o: isObj(o) ? o : {}, name, path: [...path, name] });
  return entries.map(({ o, name, path: p }) => ({
    name,
    at: src.at(p),
    description: text(o.description),
    value: text(o.value),
    values: Array.isArray(o.values) ? o.values.map(String) : typeof o.values === 'string' ? o.values.split(',') : undefined,
    enforced: truthy(o.enforced),
    regex: text(o.regex),
    required: truthy(o.required),
    secure: truthy(o.secure),
    storagePath: text(o.storagePath),
    valueExposed: o.valueExposed === undefined ? undefined : truthy(o.valueExposed),
    multivalued: truthy(o.multivalued),
  }));
}

function readStep(src: StructuredSource, c: Obj, path: SourcePath): RundeckStep {
  const script = { args: text(c.args), interpreter: text(c.scriptInterpreter), argsQuoted: truthy(c.interpreterArgsQuoted) };
  let body: CommandBody;
  if (c.exec !== undefined) body = { kind: 'exec', command: String(c.exec) };
  else if (c.script !== undefined) body = { kind: 'script', script: String(c.script), ...script };
  else if (c.scriptfile !== undefined) body = { kind: 'scriptfile', path: String(c.scriptfile), ...script };
  else if (c.scripturl !== undefined) body = { kind: 'scripturl', url: String(c.scripturl), ...script };
  else if (isObj(c.jobref)) {
    const r = c.jobref;
    body = { kind: 'jobref', name: String(r.name ?? r.uuid ?? ''), group: text(r.group), args: text(r.args), nodeStep: truthy(r.nodeStep) };
  } else if (typeof c.type === 'string') {
    const config = isObj(c.configuration) ? Object.fromEntries(Object.entries(c.configuration).map(([k, v]) => [k, String(v)])) : {};
    body = { kind: 'plugin', type: c.type, nodeStep: truthy(c.nodeStep), config };
  } else body = { kind: 'unknown', what: Object.keys(c).join(', ') || 'an empty command' };
  return { at: src.at(path), description: text(c.description) || undefined, body };
}
