/**
 * A Rundeck job → a drillbook runbook draft (see docs/importing.md for the table):
 *
 * - options → params (required, defaults); secure options → secret params whose default is a
 *   placeholder reference `env:DRILLBOOK_SECRET_…`: a secure option's value is never copied;
 * - commands → exec steps with an argv: an inline command is split into words when it is only words;
 *   with shell syntax (pipes, redirects, `$(…)`, `&&`, `;`) it goes to a script file next to the
 *   runbook, run as `[/bin/sh, FILE]`; a script body → a script file run by its interpreter; a script
 *   file → an argv; a script URL → a manual step (review it first); `${option.x}` → `${{ params.x }}`
 *   in an argv, and `$RD_OPTION_X` in the environment of a script;
 * - the strategy: sequential (node-first, step-first) → each step needs the one before; parallel → no
 *   needs; keepgoing → onFailure: continue;
 * - an error handler → onFailure: continue on the step, plus a step that runs only when it failed
 *   (and, unless the job keeps going, a check that stops the run there for an operator's decision);
 * - job references → a manual step noting which job to run; plugin steps → manual steps (localexec
 *   → exec); the node filter → the steps' site when it names one node or tag.
 */
import { Draft, newStep, type DraftStep, type ReportStatus } from '../draft';
import { placeText, type SourcePlace } from '../import-error';
import { runbookName, secretEnvName } from '../names';
import { insideSingleQuotes, templatesOutOfShellCode } from '../shell-code';
import { splitShellWords } from '../shell-words';
import type { CommandBody, RundeckCommand, RundeckJob, RundeckNodeFilter, RundeckOption, RundeckStep } from './job-model';

export interface ImportMetaOptions {
  owners?: string[];
  services?: string[];
}

/** Rundeck's data references in commands and arguments: `${option.port}`, `${node.hostname}`, ... */
const DATA_REF = /\$\{(option|node|job|globals|execution|data|unsupported)\.([A-Za-z0-9_.-]+)\}/g;
/** The same, in script bodies: `@option.port@`. */
const SCRIPT_TOKEN = /@(option|node|job|globals|execution|data)\.([A-Za-z0-9_.-]+)@/g;
const RD_OPTION_ENV = /\$\{?RD_OPTION_([A-Z0-9_]+)\}?/g;
const SITE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SEQUENTIAL = ['node-first', 'step-first', 'sequential'];
/** Plugin configuration keys whose values may be credentials: named, never copied. */
const SECRETISH = /pass|secret|token|key|credential|auth/i;

interface OptionParam {
  param: string;
  secure: boolean;
  /** The environment variable Rundeck gives scripts: RD_OPTION_<NAME>. */
  env: string;
}

/** What a command body became, before it is placed. */
type BodyMapping =
  | { kind: 'exec'; input: Record<string, unknown>; todos: string[]; keyNotes: Record<string, string[]>; status: ReportStatus; note?: string }
  | { kind: 'manual'; instructions: string; reason: string };

export function mapJob(job: RundeckJob, options: ImportMetaOptions = {}): Draft {
  return new JobMapper(job, options).map();
}

class JobMapper {
  private readonly draft: Draft;
  private readonly options = new Map<string, OptionParam>();
  private site?: string;
  private frontier: string[] = [];

  constructor(
    private readonly job: RundeckJob,
    meta: ImportMetaOptions,
  ) {
    const name = runbookName(job.group ? `${job.group}-${job.name}` : job.name);
    const description = [job.group ? `${job.group}/${job.name}` : job.name, job.description ?? ''].filter(Boolean).join('\n\n');
    this.draft = new Draft('rundeck', job.file, {
      name,
      version: '1',
      description,
      owners: meta.owners ?? ['TODO-owner'],
      services: meta.services ?? [name],
    });
    if (!meta.owners) this.draft.topNotes.owners = ['TODO(import): who owns this runbook (teams, mail addresses); --owner sets it'];
    if (!meta.services) this.draft.topNotes.services = ['TODO(import): the service(s) this drills, as the inventory names them; --service sets it'];
  }

  private report(element: string, at: SourcePlace, status: ReportStatus, became: string[], note?: string): void {
    this.draft.record({ element, at, status, became, ...(note ? { note } : {}) });
  }

  map(): Draft {
    for (const o of this.job.options) this.mapOption(o);
    this.mapNodeFilter(this.job.nodeFilter);
    const parallel = this.job.strategy === 'parallel';
    const strategyNote = parallel
      ? 'parallel: the steps have no needs between them'
      : SEQUENTIAL.includes(this.job.strategy)
        ? `${this.job.strategy}: each step needs the one before`
        : `strategy "${this.job.strategy}" is not a built-in one; the steps run one after the other`;
    this.report(`sequence (strategy ${this.job.strategy})`, this.job.sequenceAt, SEQUENTIAL.includes(this.job.strategy) || parallel ? 'mapped' : 'partial', ['needs'], strategyNote);
    if (this.job.keepgoing) this.report('sequence keepgoing: true', this.job.sequenceAt, 'mapped', ['onFailure: continue on each step']);
    this.job.commands.forEach((c, i) => this.mapCommand(c, i, parallel));
    for (const extra of this.job.extras) this.report(extra.key, extra.at, 'not-mapped', [], EXTRA_NOTES[extra.key] ?? 'no drillbook equivalent');
    return this.draft;
  }

  // --- options and node filter --------------------------------------------------------------

  private mapOption(o: RundeckOption): void {
    const env = `RD_OPTION_${o.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
    const description = [
      o.description,
      o.values?.length ? `${o.enforced ? 'One of' : 'For example'}: ${o.values.join(', ')}` : undefined,
      o.regex ? `Must match ${o.regex}` : undefined,
    ]
      .filter(Boolean)
      .join('. ');
    if (o.secure) {
      const secretEnv = secretEnvName(this.draftName(), o.name);
      const origin = o.storagePath ? `Rundeck key storage (${o.storagePath})` : o.value !== undefined ? 'a default value in the job' : 'what a person typed at each run';
      const param = this.draft.addParam(o.name, { type: 'secret', ...(description ? { description } : {}), default: `env:${secretEnv}` }, [
        `TODO(import): a secure option; its value came from ${origin} and was not copied. Set ${secretEnv} on the workers`,
      ]);
      this.options.set(o.name, { param, secure: true, env });
      this.report(`option "${o.name}" (secure)`, o.at, 'partial', [`param ${param} (secret)`], `value not copied: set ${secretEnv} on the workers`);
      return;
    }
    const body: Record<string, unknown> = { type: 'string', ...(description ? { description } : {}) };
    if (o.value !== undefined) body.default = o.value;
    else if (!o.required) body.required = false;
    const notes = o.multivalued ? ['TODO(import): a multi-valued option in Rundeck; here one text value'] : [];
    const param = this.draft.addParam(o.name, body, notes);
    this.options.set(o.name, { param, secure: false, env });
    this.report(`option "${o.name}"`, o.at, o.multivalued ? 'partial' : 'mapped', [`param ${param}`], o.multivalued ? 'multi-valued: now one text value' : undefined);
  }

  private draftName(): string {
    return this.draft.meta.name;
  }

  private mapNodeFilter(nf: RundeckNodeFilter | undefined): void {
    if (!nf) return;
    const site = siteOf(nf);
    if (site) {
      this.site = site;
      this.report('nodefilters', nf.at, 'mapped', [`site: ${site} on each command step`], `the workers of site ${site} (queue drillbook-${site}) run them`);
    } else {
      const what = nf.filter ?? JSON.stringify(nf.include ?? {});
      this.report('nodefilters', nf.at, 'not-mapped', [], `"${what}" selects nodes by pattern or several attributes; a drillbook step runs once, on one site's worker: set \`site\` by hand`);
    }
  }

  // --- commands -----------------------------------------------------------------------------

  private mapCommand(c: RundeckCommand, index: number, parallel: boolean): void {
    const element = `command ${index + 1} (${describeKind(c.body)})`;
    const title = c.description ?? titleOf(c.body);
    const id = this.draft.ids.take(c.description ?? titleOf(c.body), 'step');
    const mapped = this.mapBody(c.body, id, c.at);
    const step = this.stepFrom(id, title, mapped, c);
    const needs = parallel ? [] : this.frontier;
    const became = [`step ${id}`];
    if (this.job.keepgoing || c.errorHandler) step.body.onFailure = 'continue';
    this.place(step, needs);
    const status: ReportStatus = mapped.kind === 'manual' ? 'manual' : mapped.status;
    const note = mapped.kind === 'manual' ? mapped.reason : (mapped.note ?? (mapped.todos.length ? 'see the TODO on the step' : undefined));
    this.report(element, c.at, status, became, note);
    const last = c.errorHandler ? this.mapErrorHandler(c, id, title) : [id];
    if (!parallel) this.frontier = last;
  }

  private mapErrorHandler(c: RundeckCommand, id: string, title: string): string[] {
    const h = c.errorHandler!;
    const hid = this.draft.ids.take(`${id}-on-error`);
    const mapped = this.mapBody(h.body, hid, h.at);
    const step = this.stepFrom(hid, `If "${title}" failed: ${h.description ?? titleOf(h.body)}`, mapped, h);
    step.body.when = `steps.${id}.status == 'failed'`;
    step.notes.unshift(`Rundeck's error handler of ${id}: runs only when ${id} failed.`);
    this.place(step, [id]);
    const goesOn = h.keepgoingOnSuccess || this.job.keepgoing;
    const out = [hid];
    if (!goesOn) {
      const gid = this.draft.ids.take(`${id}-failed-stop`);
      const gate = newStep(
        {
          id: gid,
          title: `Stop here if "${title}" failed`,
          kind: 'check',
          probe: { adapter: 'noop', input: {} },
          expect: `steps.${id}.status != 'failed'`,
        },
        h.at,
        ['Rundeck ended the job after this error handler (no keepgoingOnSuccess): this check fails then, and the run pauses for an operator\'s decision.'],
      );
      this.place(gate, [hid]);
      out[0] = gid;
    }
    const status: ReportStatus = mapped.kind === 'manual' ? 'manual' : mapped.status;
    this.report(
      `error handler of command ${this.job.commands.indexOf(c) + 1}`,
      h.at,
      status,
      [`onFailure: continue on ${id}`, `step ${hid} (when ${id} failed)`, ...(goesOn ? [] : [`check ${out[0]}`])],
      goesOn ? 'keepgoingOnSuccess: the run goes on after it' : 'the run pauses after it, as Rundeck stopped the job',
    );
    return out;
  }

  private stepFrom(id: string, title: string, mapped: BodyMapping, from: RundeckStep): DraftStep {
    if (mapped.kind === 'manual') {
      return newStep({ id, title, kind: 'manual', instructions: mapped.instructions, evidenceFields: [{ name: 'note', required: false }] }, from.at, [
        `MANUAL (import): ${mapped.reason}`,
      ]);
    }
    const step = newStep({ id, title, kind: 'action', ...(this.site ? { site: this.site } : {}), action: { adapter: 'exec', input: mapped.input } }, from.at, mapped.todos.map((t) => `TODO(import): ${t}`));
    for (const [k, v] of Object.entries(mapped.keyNotes)) step.keyNotes[`action.input.${k}`] = v;
    return step;
  }

  private place(step: DraftStep, needs: string[]): void {
    const { id, title, kind, ...rest } = step.body;
    step.body = { id, title, kind, ...(needs.length ? { needs: [...needs] } : {}), ...rest };
    this.draft.steps.push(step);
  }

  /** A command body, with values kept out of the code of any shell it runs with -c. */
  private mapBody(body: CommandBody, id: string, at: SourcePlace): BodyMapping {
    const mapped = this.mapBodyRaw(body, id, at);
    if (mapped.kind !== 'exec') return mapped;
    const notes = templatesOutOfShellCode(mapped.input);
    if (notes.length) {
      mapped.keyNotes.env = [...(mapped.keyNotes.env ?? []), notes[0]];
      mapped.todos.push(...notes.slice(1));
      if (notes.length > 1) mapped.status = 'partial';
    }
    return mapped;
  }

  private mapBodyRaw(body: CommandBody, id: string, at: SourcePlace): BodyMapping {
    this.pendingSecretEnv.clear();
    if (JSON.stringify(body).includes('${{')) {
      // drillbook would read it as a template: a person decides what was meant.
      return manual('the command holds "${{", which drillbook reads as a template', `Rundeck ran:\n\n\`\`\`json\n${JSON.stringify(body, null, 2)}\n\`\`\`\n\nDo the same and confirm, or rewrite it as an exec step.`);
    }
    switch (body.kind) {
      case 'exec':
        return this.commandLine(body.command, id, at);
      case 'script':
        return this.script(body, id, at);
      case 'scriptfile': {
        const todos: string[] = [];
        const interp = this.interpreter(body.interpreter, body.argsQuoted, todos);
        if (!interp) return manual(`the interpreter "${body.interpreter}" has shell syntax`, `Run the script ${body.path} with the interpreter \`${body.interpreter}\`.`);
        const args = this.args(body.args, todos);
        if (!args) return manual(`the arguments "${body.args}" have shell syntax`, `Run \`${body.path} ${body.args}\` and confirm.`);
        const input: Record<string, unknown> = { argv: [...interp, this.template(body.path, todos), ...args] };
        this.setEnv(input, {});
        return {
          kind: 'exec',
          input,
          todos,
          keyNotes: { argv: ['a script file on the node: it must exist at this path on the worker that runs the step'] },
          status: todos.length ? 'partial' : 'mapped',
        };
      }
      case 'scripturl':
        return manual(
          'a script downloaded at run time is not run unseen',
          `Rundeck downloaded and ran the script at ${body.url}${body.args ? ` with the arguments \`${body.args}\`` : ''}. Review it, then run it and confirm — or save it next to this runbook and make this step an exec step.`,
        );
      case 'jobref':
        return manual(
          'a job reference: the job it runs is not imported',
          `Rundeck ran the job **${body.group ? `${body.group}/` : ''}${body.name}**${body.args ? ` with the arguments \`${body.args}\`` : ''}${body.nodeStep ? ' on each node' : ''}. Run it (or import it as a runbook of its own and run that), then confirm.`,
        );
      case 'plugin':
        if (body.type === 'localexec' && body.config.command) return this.commandLine(body.config.command, id, at);
        return manual(
          `a ${body.nodeStep ? 'node ' : ''}step plugin ("${body.type}") has no drillbook adapter`,
          [
            `Rundeck ran the ${body.nodeStep ? 'node ' : ''}step plugin **${body.type}** with this configuration:`,
            ...Object.entries(body.config).map(([k, v]) => `- ${k}: ${SECRETISH.test(k) ? '(not copied)' : `\`${v}\``}`),
            'Do the same and confirm, or port it to an adapter (http, exec) and replace this step.',
          ].join('\n'),
        );
      default:
        return manual(`a command this importer does not know (${body.what})`, `Rundeck ran a command of a kind not imported (${body.what}). Do it by hand and confirm.`);
    }
  }

  /** An inline command: an argv when it is only words, else a script file run by /bin/sh. */
  private commandLine(line: string, id: string, at: SourcePlace): BodyMapping {
    const todos: string[] = [];
    const split = splitShellWords(line.trim(), DATA_REF);
    if (split.kind === 'words') {
      const input: Record<string, unknown> = { argv: split.argv.map((w) => this.template(w, todos)) };
      this.setEnv(input, {});
      return { kind: 'exec', input, todos, keyNotes: {}, status: todos.length ? 'partial' : 'mapped' };
    }
    // Shell syntax: the line as it was, in a script; option values reach it as environment variables.
    const env: Record<string, string> = {};
    const shellLine = line.trim().replace(DATA_REF, (whole, scope: string, name: string, offset: number, all: string) => {
      const ref = this.envRef(scope, name, whole, env, todos);
      if (ref !== whole && insideSingleQuotes(all, offset)) {
        todos.push(`${whole} sat inside single quotes, where Rundeck replaced it but the shell will not expand ${ref}: rework the quoting in the script`);
      }
      return ref;
    });
    const body = `#!/bin/sh\n# Imported from ${placeText(at)}: Rundeck ran this command line through a shell.\n${shellLine}\n`;
    const input: Record<string, unknown> = { argv: ['/bin/sh', this.draft.addScript(`${id}.sh`, body, at)] };
    this.setEnv(input, env);
    return {
      kind: 'exec',
      input,
      todos,
      keyNotes: { argv: [`the command held ${split.reason}: the line is in the script ${id}.sh, run by /bin/sh (review it)`] },
      status: 'partial',
      note: `${split.reason}: written to the script ${id}.sh`,
    };
  }

  private script(body: Extract<CommandBody, { kind: 'script' }>, id: string, at: SourcePlace): BodyMapping {
    const todos: string[] = [];
    const env: Record<string, string> = {};
    const text = body.script.replace(SCRIPT_TOKEN, (whole, scope: string, name: string) => this.envRef(scope, name, whole, env, todos));
    for (const m of text.matchAll(RD_OPTION_ENV)) {
      const o = [...this.options.values()].find((p) => p.env === `RD_OPTION_${m[1]}`);
      if (o) env[o.env] = `${o.secure ? 'secret:' : ''}\${{ params.${o.param} }}`;
    }
    let interp: string[] | undefined;
    if (body.interpreter) interp = this.interpreter(body.interpreter, body.argsQuoted, todos);
    else {
      const shebang = /^#!\s*(\S.*)$/m.exec(text.split('\n', 1)[0]);
      const words = shebang ? splitShellWords(shebang[1].trim()) : undefined;
      interp = words ? (words.kind === 'words' ? words.argv : undefined) : ['/bin/sh'];
    }
    if (!interp) return manual('the script\'s interpreter line has shell syntax', `Run this script and confirm:\n\n\`\`\`\n${body.script}\n\`\`\``);
    const args = this.args(body.args, todos);
    if (!args) return manual(`the arguments "${body.args}" have shell syntax`, `Run this script with the arguments \`${body.args}\` and confirm:\n\n\`\`\`\n${body.script}\n\`\`\``);
    const fileText = text.endsWith('\n') ? text : `${text}\n`;
    const input: Record<string, unknown> = { argv: [...interp, this.draft.addScript(`${id}.sh`, fileText, at), ...args] };
    this.setEnv(input, env);
    return {
      kind: 'exec',
      input,
      todos,
      keyNotes: { argv: [`the script body is in ${id}.sh next to this runbook${Object.keys(env).length ? '; option values reach it as RD_OPTION_* variables' : ''}`] },
      status: todos.length ? 'partial' : 'mapped',
      note: `script body written to ${id}.sh`,
    };
  }

  /** `scriptInterpreter` as argv words; `sh -c` with argsQuoted is the same as `sh FILE ARGS`. */
  private interpreter(text: string | undefined, argsQuoted: boolean | undefined, todos: string[]): string[] | undefined {
    if (!text) return [];
    const split = splitShellWords(text.trim());
    if (split.kind !== 'words') return undefined;
    const words = split.argv;
    if (argsQuoted && words[words.length - 1] === '-c') words.pop();
    else if (argsQuoted) todos.push(`Rundeck passed the script and its arguments to "${text}" as one quoted argument; here they are separate arguments`);
    return words;
  }

  /** Script arguments as argv words (option references → templates); undefined when they hold shell syntax. */
  private args(text: string | undefined, todos: string[]): string[] | undefined {
    if (!text || !text.trim()) return [];
    const split = splitShellWords(text.trim(), DATA_REF);
    return split.kind === 'words' ? split.argv.map((w) => this.template(w, todos)) : undefined;
  }

  /** `${option.x}` → `${{ params.x }}` inside one argv word; a secure option cannot ride in an argv. */
  private template(word: string, todos: string[]): string {
    return word.replace(DATA_REF, (whole, scope: string, name: string) => {
      if (scope !== 'option') {
        todos.push(`${whole} is Rundeck ${scope} data, which drillbook does not have: replace it`);
        return whole;
      }
      const o = this.options.get(name);
      if (!o) {
        todos.push(`${whole} names an option the job does not declare`);
        return whole;
      }
      if (o.secure) {
        todos.push(`the secure option "${name}" was an argument: an argv cannot carry a secret; it is in the environment as ${o.env}, make the program read it there`);
        this.pendingSecretEnv.set(o.env, o.param);
        return `TODO-secret-from-env-${o.env}`;
      }
      return `\${{ params.${o.param} }}`;
    });
  }

  /** Secure options met in an argv, to put in the step's envFromSecrets. */
  private readonly pendingSecretEnv = new Map<string, string>();


  /** A data reference inside a shell line or script → `${RD_OPTION_X}`, its value in the step's environment. */
  private envRef(scope: string, name: string, whole: string, env: Record<string, string>, todos: string[]): string {
    const o = scope === 'option' ? this.options.get(name) : undefined;
    if (!o) {
      todos.push(`${whole} is Rundeck ${scope} data${scope === 'option' ? ' of an undeclared option' : ''}, which drillbook does not have: replace it in the script`);
      return whole;
    }
    env[o.env] = `${o.secure ? 'secret:' : ''}\${{ params.${o.param} }}`;
    return `\${${o.env}}`;
  }

  /** The step's env and envFromSecrets: option values met in its script, and secure options met in its argv. */
  private setEnv(input: Record<string, unknown>, env: Record<string, string>): void {
    for (const [name, param] of this.pendingSecretEnv) env[name] = `secret:\${{ params.${param} }}`;
    const plain = Object.entries(env).filter(([, v]) => !v.startsWith('secret:'));
    const secret = Object.entries(env).filter(([, v]) => v.startsWith('secret:'));
    if (plain.length) input.env = Object.fromEntries(plain);
    if (secret.length) input.envFromSecrets = Object.fromEntries(secret.map(([k, v]) => [k, v.slice('secret:'.length)]));
    this.pendingSecretEnv.clear();
  }
}

function manual(reason: string, instructions: string): BodyMapping {
  return { kind: 'manual', reason, instructions };
}

const EXTRA_NOTES: Record<string, string> = {
  schedule: 'schedule drills with `drillbook schedule create` (docs/programme.md)',
  notification: 'add notify steps where people must hear of it',
  timeout: 'drillbook times each step (`timeout`), not the whole run',
  retry: 'drillbook retries each step (`retry`), not the whole run',
  dispatch: 'node dispatch (threads, ranking) has no drillbook meaning: a step runs once, on one site',
  multipleExecutions: 'drills of a runbook may run side by side; a real failover of a service runs once at a time',
  loglimit: 'no drillbook equivalent',
  logging: 'no drillbook equivalent',
  plugins: 'job plugins have no drillbook equivalent',
  executionEnabled: 'no drillbook equivalent',
  scheduleEnabled: 'no drillbook equivalent',
  nodesSelectedByDefault: 'no drillbook equivalent',
};

/** One node or one tag, named literally, maps to a site; patterns and combinations do not. */
function siteOf(nf: RundeckNodeFilter): string | undefined {
  if (nf.exclude) return undefined;
  let word: string | undefined;
  if (nf.filter !== undefined) {
    const m = /^\s*(?:(?:name|tags|hostname|site):\s*)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*$/.exec(nf.filter);
    word = m?.[1];
  } else if (nf.include) {
    const entries = Object.entries(nf.include).filter(([, v]) => v.trim());
    if (entries.length === 1 && ['name', 'tags', 'hostname'].includes(entries[0][0])) word = entries[0][1].trim();
  }
  if (!word) return undefined;
  const site = word.toLowerCase();
  return SITE_NAME.test(site) && site !== 'localhost' && !/[.*+?]/.test(word.replace(/\./g, '')) ? site : undefined;
}

function describeKind(body: CommandBody): string {
  return body.kind === 'plugin' ? `plugin ${body.type}` : body.kind;
}

function titleOf(body: CommandBody): string {
  switch (body.kind) {
    case 'exec':
      return `Run: ${body.command.length > 60 ? `${body.command.slice(0, 57)}...` : body.command}`;
    case 'script':
      return 'Run the inline script';
    case 'scriptfile':
      return `Run the script ${body.path}`;
    case 'scripturl':
      return `Run the script from ${body.url}`;
    case 'jobref':
      return `Run the Rundeck job ${body.group ? `${body.group}/` : ''}${body.name}`;
    case 'plugin':
      return `Plugin step ${body.type}`;
    default:
      return 'Unknown command';
  }
}

