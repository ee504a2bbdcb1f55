/**
 * Rundeck's XML job definition: `<joblist>` of `<job>` elements with `<name>`, `<description>`,
 * `<context><options><option name=… value=… required=… secure=…/>`, `<sequence keepgoing strategy>`
 * of `<command>` (`<exec>`, `<script>`, `<scriptfile>`, `<scripturl>`, `<scriptargs>`,
 * `<scriptinterpreter argsquoted>`, `<jobref name group><arg line/>`, `<node-step-plugin type>` /
 * `<step-plugin type>` with `<configuration><entry key value/>`, `<errorhandler keepgoingOnSuccess>`),
 * `<nodefilters><filter>`. Parsed with @xmldom/xmldom, which records each node's line and column.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { ImportRefused, type ImportProblem, type SourcePlace } from '../import-error';
import { READ_KEYS, truthy, type CommandBody, type RundeckCommand, type RundeckJob, type RundeckOption, type RundeckStep } from './job-model';

export function readXmlJobs(text: string, file: string, wanted: string | undefined): RundeckJob {
  const errors: ImportProblem[] = [];
  let doc;
  try {
    doc = new DOMParser({
      locator: true,
      onError: (level, message, ctx) => {
        if (level === 'warning') return;
        const loc = (ctx as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
        errors.push({ file, ...xmlErrorPlace(text, message, loc), message: `not valid XML: ${message}` });
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    const loc = (err as { locator?: { lineNumber?: number; columnNumber?: number } }).locator;
    const already = errors.length > 0;
    if (!already) errors.push({ file, ...xmlErrorPlace(text, (err as Error).message, loc), message: `not valid XML: ${(err as Error).message}` });
  }
  if (errors.length || !doc) throw new ImportRefused(errors.length ? errors.slice(0, 1) : [{ file, line: 1, col: 1, message: 'not valid XML' }]);
  const root = doc.documentElement;
  const at = (n: { lineNumber?: number; columnNumber?: number } | null | undefined): SourcePlace => ({ file, line: n?.lineNumber ?? 1, col: n?.columnNumber ?? 1 });
  if (!root || root.tagName !== 'joblist') {
    throw new ImportRefused([{ ...at(root), message: `not a Rundeck job definition: the root element is <${root?.tagName ?? '?'}>, expected <joblist>` }]);
  }
  const jobs = children(root, 'job');
  if (jobs.length === 0) throw new ImportRefused([{ ...at(root), message: 'not a Rundeck job definition: <joblist> holds no <job>' }]);
  const names = jobs.map((j) => textOf(child(j, 'name')) ?? '');
  let job: Element;
  if (wanted !== undefined) {
    const i = jobs.findIndex((j, k) => names[k] === wanted || `${textOf(child(j, 'group')) ?? ''}/${names[k]}` === wanted);
    if (i < 0) throw new ImportRefused([{ ...at(root), message: `no job named "${wanted}" in the file (its jobs: ${names.map((n) => `"${n}"`).join(', ')})` }]);
    job = jobs[i];
  } else if (jobs.length > 1) {
    throw new ImportRefused([{ ...at(root), message: `the file holds ${jobs.length} jobs (${names.map((n) => `"${n}"`).join(', ')}): choose one with --job NAME` }]);
  } else job = jobs[0];
  return readJob(job, file, at);
}

/**
 * xmldom's locator points where the parser was (the end of the text before the problem); for a
 * mismatched end tag, point at that tag itself.
 */
function xmlErrorPlace(text: string, message: string, loc: { lineNumber?: number; columnNumber?: number } | undefined): { line: number; col: number } {
  const line = loc?.lineNumber ?? 1;
  const col = loc?.columnNumber ?? 1;
  const closing = /!= "([^"]+)"/.exec(message)?.[1];
  if (!closing) return { line, col };
  const lines = text.split('\n');
  const from = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + col - 1;
  const at = text.indexOf(`</${closing}`, Math.max(0, from));
  if (at < 0) return { line, col };
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function readJob(job: Element, file: string, at: (n: Element | null | undefined) => SourcePlace): RundeckJob {
  const problems: ImportProblem[] = [];
  const name = textOf(child(job, 'name'));
  if (!name) problems.push({ ...at(job), message: 'a job needs a <name>' });
  const seq = child(job, 'sequence');
  const commandEls = seq ? children(seq, 'command') : [];
  if (!seq) problems.push({ ...at(job), message: 'not a Rundeck job: no <sequence> of commands' });
  else if (commandEls.length === 0) problems.push({ ...at(seq), message: 'a job\'s <sequence> needs at least one <command>' });
  if (problems.length) throw new ImportRefused(problems);

  const commands: RundeckCommand[] = commandEls.map((c) => {
    const handler = child(c, 'errorhandler');
    return {
      ...readStep(c, at),
      ...(handler ? { errorHandler: { ...readStep(handler, at), keepgoingOnSuccess: truthy(handler.getAttribute('keepgoingOnSuccess')) } } : {}),
    };
  });
  const options: RundeckOption[] = (child(child(job, 'context'), 'options') ? children(child(child(job, 'context'), 'options')!, 'option') : []).map((o) => ({
    name: o.getAttribute('name') ?? '',
    at: at(o),
    description: textOf(child(o, 'description')) ?? o.getAttribute('description') ?? undefined,
    value: o.getAttribute('value') ?? undefined,
    values: o.getAttribute('values')?.split(',') ?? undefined,
    enforced: truthy(o.getAttribute('enforcedvalues')),
    regex: o.getAttribute('regex') ?? undefined,
    required: truthy(o.getAttribute('required')),
    secure: truthy(o.getAttribute('secure')),
    storagePath: o.getAttribute('storagePath') ?? undefined,
    valueExposed: o.hasAttribute('valueExposed') ? truthy(o.getAttribute('valueExposed')) : undefined,
    multivalued: truthy(o.getAttribute('multivalued')),
  }));
  const nf = child(job, 'nodefilters');
  const include = nf ? child(nf, 'include') : undefined;
  const extras = elements(job)
    .filter((e) => !READ_KEYS.includes(e.tagName))
    .map((e) => ({ key: e.tagName, at: at(e) }));
  return {
    file,
    format: 'xml',
    at: at(job),
    name: name!,
    description: textOf(child(job, 'description')),
    group: textOf(child(job, 'group')),
    options,
    keepgoing: truthy(seq!.getAttribute('keepgoing')),
    strategy: seq!.getAttribute('strategy') || 'node-first',
    sequenceAt: at(seq),
    commands,
    ...(nf
      ? {
          nodeFilter: {
            at: at(nf),
            filter: textOf(child(nf, 'filter')),
            ...(include ? { include: Object.fromEntries(elements(include).map((e) => [e.tagName, textOf(e) ?? ''])) } : {}),
            exclude: !!child(nf, 'exclude'),
          },
        }
      : {}),
    extras,
  };
}

function readStep(c: Element, at: (n: Element | null | undefined) => SourcePlace): RundeckStep {
  const interp = child(c, 'scriptinterpreter');
  const script = {
    args: textOf(child(c, 'scriptargs')),
    interpreter: textOf(interp),
    argsQuoted: truthy(interp?.getAttribute('argsquoted')),
  };
  const plugin = child(c, 'node-step-plugin') ?? child(c, 'step-plugin');
  const jobref = child(c, 'jobref');
  let body: CommandBody;
  if (child(c, 'exec')) body = { kind: 'exec', command: textOf(child(c, 'exec')) ?? '' };
  else if (child(c, 'script')) body = { kind: 'script', script: textOf(child(c, 'script'), false) ?? '', ...script };
  else if (child(c, 'scriptfile')) body = { kind: 'scriptfile', path: textOf(child(c, 'scriptfile')) ?? '', ...script };
  else if (child(c, 'scripturl')) body = { kind: 'scripturl', url: textOf(child(c, 'scripturl')) ?? '', ...script };
  else if (jobref) {
    body = {
      kind: 'jobref',
      name: jobref.getAttribute('name') ?? jobref.getAttribute('uuid') ?? '',
      group: jobref.getAttribute('group') ?? undefined,
      args: child(jobref, 'arg')?.getAttribute('line') ?? undefined,
      nodeStep: truthy(jobref.getAttribute('nodeStep')),
    };
  } else if (plugin) {
    const config: Record<string, string> = {};
    for (const e of children(child(plugin, 'configuration'), 'entry')) config[e.getAttribute('key') ?? ''] = e.getAttribute('value') ?? '';
    body = { kind: 'plugin', type: plugin.getAttribute('type') ?? '', nodeStep: plugin.tagName === 'node-step-plugin', config };
  } else body = { kind: 'unknown', what: elements(c).map((e) => `<${e.tagName}>`).join(', ') || 'an empty command' };
  // The first element the step is about: where its `# from` points.
  const main = elements(c).find((e) => e.tagName !== 'description' && e.tagName !== 'errorhandler') ?? c;
  return { at: at(main), description: textOf(child(c, 'description')) || undefined, body };
}

function elements(parent: Element | null | undefined): Element[] {
  if (!parent) return [];
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function child(parent: Element | null | undefined, name: string): Element | undefined {
  return elements(parent).find((e) => e.tagName === name);
}

function children(parent: Element | null | undefined, name: string): Element[] {
  return elements(parent).filter((e) => e.tagName === name);
}

/** The element's text (CDATA included); trimmed unless `trim` is false (script bodies keep their shape). */
function textOf(el: Element | null | undefined, trim = true): string | undefined {
  if (!el) return undefined;
  const t = el.textContent ?? '';
  return trim ? t.trim() : t;
}
