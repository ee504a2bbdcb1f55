/**
 * A Chaos Toolkit experiment → a drillbook runbook draft (see docs/importing.md for the table):
 *
 * - steady-state hypothesis probes → pre-checks, and the same checks again after the method;
 * - method activities → steps in order, each needing the one before (`background: true` → the next
 *   one does not wait for it); `pauses` → wait steps; `{ref}` → a copy of the activity named;
 * - rollbacks → compensations, carried by no-op steps placed before the method (so an abort at any
 *   point runs every rollback, in the order written), and → final steps, since Chaos Toolkit also
 *   rolls back after a completed experiment;
 * - configuration → params (`${name}` → `${{ params.name }}`); secrets → secret params holding
 *   references only (`env:` when the experiment read the environment, else a placeholder
 *   `env:DRILLBOOK_SECRET_…`: a value written in the experiment is never copied);
 * - providers: http → http, process → exec with an argv, python → a manual step saying what to port.
 */
import { Draft, newStep, type DraftStep, type ReportStatus } from '../draft';
import { placeText, type SourcePlace } from '../import-error';
import { inSecretScope, runbookName, SECRET_ENV_PREFIX, secretEnvName } from '../names';
import { templatesOutOfShellCode } from '../shell-code';
import { splitShellWords } from '../shell-words';
import type { SourcePath } from '../structured-source';
import { isObject, type Experiment, type Json, type JsonObject } from './read-experiment';
import { mapTolerance, type ProviderKind } from './tolerance';

export interface ImportMetaOptions {
  owners?: string[];
  services?: string[];
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Header names whose value is a credential: refused as plain text by the http adapter. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const SUBSTITUTION = /\$\{([A-Za-z0-9_.-]+)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 9110 token, as the http adapter checks it. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

interface Located {
  activity: JsonObject;
  /** Where it is declared (for a `{ref}`, the declaration it names). */
  path: SourcePath;
}

/** What an activity's provider became. */
type ProviderMapping =
  | { kind: 'call'; provider: ProviderKind; adapter: 'http' | 'exec'; input: JsonObject; todos: string[]; keyNotes: Record<string, string[]> }
  | { kind: 'manual'; instructions: string; reason: string };

export function mapExperiment(exp: Experiment, options: ImportMetaOptions = {}): Draft {
  return new ExperimentMapper(exp, options).map();
}

class ExperimentMapper {
  private readonly draft: Draft;
  private readonly doc: JsonObject;
  /** Configuration key → param name. */
  private readonly config = new Map<string, string>();
  /** Secret key (in any scope) → param name. */
  private readonly secrets = new Map<string, string>();
  private readonly byName = new Map<string, Located>();
  /** What the next blocking step needs. */
  private frontier: string[] = [];
  /** Background activities not yet waited for. */
  private background: string[] = [];
  /** Rollback index → the no-op step carrying it as a compensation. */
  private readonly rollbackAnchors = new Map<number, string>();

  constructor(
    private readonly exp: Experiment,
    options: ImportMetaOptions,
  ) {
    this.doc = exp.doc;
    const title = String(this.doc.title);
    const name = runbookName(title);
    const tags = Array.isArray(this.doc.tags) ? this.doc.tags.map(String) : [];
    const description = [title, typeof this.doc.description === 'string' ? this.doc.description : '', tags.length ? `Tags: ${tags.join(', ')}` : '']
      .filter(Boolean)
      .join('\n\n');
    this.draft = new Draft('chaostoolkit', exp.src.file, {
      name,
      version: '1',
      description,
      owners: options.owners ?? ['TODO-owner'],
      services: options.services ?? [name],
    });
    if (!options.owners) this.draft.topNotes.owners = ['TODO(import): who owns this runbook (teams, mail addresses); --owner sets it'];
    if (!options.services) this.draft.topNotes.services = ["TODO(import): the service(s) this drills, as the inventory names them; --service sets it"];
  }

  private at(path: SourcePath): SourcePlace {
    return this.exp.src.at(path);
  }

  private report(element: string, path: SourcePath, status: ReportStatus, became: string[], note?: string): void {
    this.draft.record({ element, at: this.at(path), status, became, ...(note ? { note } : {}) });
  }

  map(): Draft {
    this.mapConfiguration();
    this.mapSecrets();
    this.indexActivities();
    const hypo = isObject(this.doc['steady-state-hypothesis']) ? this.doc['steady-state-hypothesis'] : undefined;
    const probes = Array.isArray(hypo?.probes) ? hypo.probes : [];
    const checks = probes.map((p, i) => this.mapSteadyState(p as JsonObject, ['steady-state-hypothesis', 'probes', i]));
    const rollbacks = Array.isArray(this.doc.rollbacks) ? this.doc.rollbacks : [];
    this.mapRollbackAnchors(rollbacks);
    (this.doc.method as Json[]).forEach((a, i) => this.mapMethodActivity(a as JsonObject, ['method', i]));
    this.frontier = [...this.frontier, ...this.background];
    this.background = [];
    checks.forEach((c, i) => c && this.mapCheckAfter(c, ['steady-state-hypothesis', 'probes', i]));
    rollbacks.forEach((a, i) => this.mapFinalRollback(a as JsonObject, ['rollbacks', i]));
    this.reportUnmapped();
    return this.draft;
  }

  // --- configuration and secrets ------------------------------------------------------------

  private mapConfiguration(): void {
    const config = isObject(this.doc.configuration) ? this.doc.configuration : {};
    for (const [key, value] of Object.entries(config)) {
      const path = ['configuration', key];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        const name = this.draft.addParam(key, { type: typeof value, default: value });
        this.config.set(key, name);
        this.report(`configuration.${key}`, path, 'mapped', [`param ${name}`]);
      } else if (isObject(value) && value.type === 'env' && typeof value.key === 'string') {
        const hasDefault = value.default !== undefined && value.default !== null;
        const name = this.draft.addParam(
          key,
          { type: 'string', description: `Chaos Toolkit read it from the environment variable ${value.key}`, ...(hasDefault ? { default: String(value.default) } : {}) },
          [`was the environment variable ${value.key}: pass it with -p ${key}=…`],
        );
        this.config.set(key, name);
        this.report(`configuration.${key}`, path, 'mapped', [`param ${name}`], `was read from ${value.key}; now a run parameter`);
      } else {
        const name = this.draft.addParam(key, { type: 'string', description: 'TODO(import): set its value' }, [
          `TODO(import): Chaos Toolkit built this value (${isObject(value) ? `type ${JSON.stringify(value.type)}` : 'a structure'}); give it as a run parameter`,
        ]);
        this.config.set(key, name);
        this.report(`configuration.${key}`, path, 'partial', [`param ${name}`], 'a computed or structured value: give it as a parameter');
      }
    }
  }

  private mapSecrets(): void {
    const secrets = isObject(this.doc.secrets) ? this.doc.secrets : {};
    for (const [scope, keys] of Object.entries(secrets)) {
      for (const [key, value] of Object.entries(keys as JsonObject)) {
        const path = ['secrets', scope, key];
        const element = `secrets.${scope}.${key}`;
        if (isObject(value) && value.type === 'env' && typeof value.key === 'string' && ENV_NAME.test(value.key)) {
          const env = inSecretScope(value.key);
          const renamed = env !== value.key;
          const name = this.draft.addParam(
            `${scope}_${key}`,
            { type: 'secret', default: `env:${env}` },
            renamed ? [`TODO(import): Chaos Toolkit read ${value.key}; workers read secrets named ${SECRET_ENV_PREFIX}… (their default scope): set ${env}`] : [],
          );
          this.secrets.set(key, name);
          this.report(
            element,
            path,
            renamed ? 'partial' : 'mapped',
            [`param ${name}`],
            renamed ? `was ${value.key}; now a reference to ${env}, inside the workers' secret scope` : `a reference to the environment variable ${value.key}`,
          );
          continue;
        }
        // Never the value: a placeholder reference the operator fills in the worker's environment.
        const env = secretEnvName(scope, key);
        const origin = isObject(value) && value.type === 'vault' ? `Vault (${JSON.stringify(value.path ?? value.key ?? '')})` : 'the experiment itself';
        const name = this.draft.addParam(`${scope}_${key}`, { type: 'secret', default: `env:${env}` }, [
          `TODO(import): the secret was in ${origin}; its value was not copied. Put it in the workers' environment as ${env}`,
        ]);
        this.secrets.set(key, name);
        this.report(element, path, 'partial', [`param ${name}`], `value not copied: set ${env} on the workers`);
      }
    }
  }

  /** Names declared in the experiment, for `{ref}` (the first declaration of a name wins). */
  private indexActivities(): void {
    const hypo = this.doc['steady-state-hypothesis'];
    const lists: [Json | undefined, SourcePath][] = [
      [isObject(hypo) ? hypo.probes : undefined, ['steady-state-hypothesis', 'probes']],
      [this.doc.method, ['method']],
      [this.doc.rollbacks, ['rollbacks']],
    ];
    for (const [list, base] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((a, i) => {
        if (isObject(a) && typeof a.name === 'string' && !this.byName.has(a.name)) this.byName.set(a.name, { activity: a, path: [...base, i] });
      });
    }
  }

  /** The activity itself, or the one a `{ref}` names; undefined for a ref to nothing. */
  private resolve(a: JsonObject, path: SourcePath): Located | undefined {
    if (typeof a.ref !== 'string') return { activity: a, path };
    return this.byName.get(a.ref);
  }

  // --- the phases ---------------------------------------------------------------------------

  private mapSteadyState(raw: JsonObject, path: SourcePath): { id: string; title: string; probe: DraftStep } | undefined {
    const located = this.resolve(raw, path);
    if (!located) return this.refToNothing(raw, path, 'steady-state probe');
    const { activity } = located;
    const title = String(activity.name);
    const element = `steady-state probe "${title}"`;
    const mapped = this.mapProvider(activity, located.path);
    const id = this.draft.ids.take(title, 'check');
    if (mapped.kind === 'manual') {
      // A pre-check must be an automatic check: a person checks it as the first main step instead.
      const step = this.placeManual(id, `Steady state: ${title}`, mapped, path, this.tolerancePrompt(activity));
      this.report(element, path, 'manual', [`step ${id}`], mapped.reason);
      return { id, title, probe: step };
    }
    const step = this.checkStep(id, title, activity, mapped, path);
    this.draft.prechecks.push(step);
    const todo = mapped.todos.length > 0 || step.notes.some((n) => n.startsWith('TODO'));
    this.report(element, path, todo ? 'partial' : 'mapped', [`pre-check ${id}`, `check ${id}-after (after the method)`], todo ? 'see the TODO on the step' : undefined);
    return { id, title, probe: step };
  }

  private mapMethodActivity(raw: JsonObject, path: SourcePath): void {
    const located = this.resolve(raw, path);
    if (!located) {
      this.refToNothing(raw, path, 'method activity');
      return;
    }
    const { activity } = located;
    const title = String(activity.name);
    const kind = activity.type === 'probe' ? 'probe' : 'action';
    const element = `method[${path[1]}] ${kind} "${title}"${typeof raw.ref === 'string' ? ' (ref)' : ''}`;
    const became: string[] = [];
    const pauses = isObject(activity.pauses) ? activity.pauses : {};
    if (typeof pauses.before === 'number' && pauses.before > 0) became.push(this.placeWait(`${title} pause before`, pauses.before, [...path, 'pauses', 'before']));

    const mapped = this.mapProvider(activity, located.path);
    const id = this.draft.ids.take(title, kind);
    const background = activity.background === true;
    let status: ReportStatus = 'mapped';
    let note: string | undefined;
    if (mapped.kind === 'manual') {
      this.placeManual(id, title, mapped, path, undefined, background);
      status = 'manual';
      note = mapped.reason;
    } else if (kind === 'probe') {
      const step = this.checkStep(id, title, activity, mapped, path);
      this.place(step, background);
      if (mapped.todos.length || step.notes.some((n) => n.startsWith('TODO'))) status = 'partial';
    } else {
      const step = newStep(
        { id, title, kind: 'action', action: { adapter: mapped.adapter, input: mapped.input } },
        this.at(path),
        mapped.todos.map((t) => `TODO(import): ${t}`),
      );
      prefixKeyNotes(step, 'action.input', mapped.keyNotes);
      this.place(step, background);
      if (mapped.todos.length) status = 'partial';
    }
    became.push(`step ${id}${background ? ' (in parallel with what follows)' : ''}`);
    if (typeof raw.ref === 'string') note = [note, `a copy of "${raw.ref}"`].filter(Boolean).join('; ');
    if (typeof pauses.after === 'number' && pauses.after > 0) became.push(this.placeWait(`${title} pause after`, pauses.after, [...path, 'pauses', 'after']));
    if (status === 'partial' && !note) note = 'see the TODO on the step';
    this.report(element, path, status, became, note);
  }

  private mapCheckAfter(check: { id: string; title: string; probe: DraftStep }, path: SourcePath): void {
    const id = this.draft.ids.take(`${check.id}-after`);
    const { needs: _needs, ...body }: Record<string, unknown> = { ...check.probe.body, id, title: `${check.title} (after the method)` };
    const step = newStep(body, this.at(path), check.probe.notes);
    step.keyNotes = check.probe.keyNotes;
    this.place(step);
  }

  private mapRollbackAnchors(rollbacks: Json[]): void {
    // Placed last-first: compensations unwind in reverse order of completion, so the first rollback
    // written is the first undone.
    for (let i = rollbacks.length - 1; i >= 0; i--) {
      const path = ['rollbacks', i];
      const located = this.resolve(rollbacks[i] as JsonObject, path);
      if (!located) continue; // reported by mapFinalRollback
      const mapped = this.mapProvider(located.activity, located.path);
      if (mapped.kind === 'manual') continue;
      const title = String(located.activity.name);
      const id = this.draft.ids.take(`undo ${title}`);
      const step = newStep(
        {
          id,
          title: `Carry the rollback "${title}" (run if the run is aborted)`,
          kind: 'action',
          action: { adapter: 'noop', input: {} },
          compensate: { adapter: mapped.adapter, input: mapped.input },
        },
        this.at(path),
        [
          'Chaos Toolkit rollback. drillbook runs a compensation only when a run is aborted; this no-op step',
          'carries it from the start, so an abort at any point runs every rollback, in the order written.',
          ...mapped.todos.map((t) => `TODO(import): ${t}`),
        ],
      );
      prefixKeyNotes(step, 'compensate.input', mapped.keyNotes);
      this.place(step);
      this.rollbackAnchors.set(i, id);
    }
  }

  private mapFinalRollback(raw: JsonObject, path: SourcePath): void {
    const located = this.resolve(raw, path);
    if (!located) {
      this.refToNothing(raw, path, 'rollback');
      return;
    }
    const anchor = this.rollbackAnchors.get(path[1] as number);
    const title = String(located.activity.name);
    const element = `rollbacks[${path[1]}] "${title}"`;
    const mapped = this.mapProvider(located.activity, located.path);
    const id = this.draft.ids.take(`rollback ${title}`);
    if (mapped.kind === 'manual') {
      this.placeManual(id, `Roll back: ${title}`, mapped, path);
      this.report(element, path, 'manual', [`step ${id}`], `${mapped.reason}; a manual step cannot be a compensation, so an aborted run does not undo it`);
      return;
    }
    const step = newStep(
      { id, title: `Roll back: ${title}`, kind: 'action', onFailure: 'continue', action: { adapter: mapped.adapter, input: mapped.input } },
      this.at(path),
      ['Chaos Toolkit also rolls back after a completed experiment; a failed rollback does not stop the others.', ...mapped.todos.map((t) => `TODO(import): ${t}`)],
    );
    prefixKeyNotes(step, 'action.input', mapped.keyNotes);
    this.place(step);
    this.report(element, path, mapped.todos.length ? 'partial' : 'mapped', [...(anchor ? [`compensation on ${anchor}`] : []), `final step ${id}`]);
  }

  private reportUnmapped(): void {
    const notes: Record<string, string> = {
      controls: 'controls are Chaos Toolkit extensions run around activities; drillbook records every step itself',
      extensions: 'vendor payloads have no drillbook meaning',
      contributions: 'no drillbook equivalent',
      runtime: 'runtime settings (e.g. the rollback strategy) are Chaos Toolkit behaviour',
    };
    for (const [key, note] of Object.entries(notes)) {
      if (this.doc[key] !== undefined) this.report(key, [key], 'not-mapped', [], note);
    }
    if (Array.isArray(this.doc.tags)) this.report('tags', ['tags'], 'mapped', ['description']);
  }

  // --- steps --------------------------------------------------------------------------------

  /** Adds a main step needing the frontier; a background step is not waited for by the next. */
  private place(step: DraftStep, background = false): void {
    const { id, title, kind, ...rest } = step.body;
    step.body = { id, title, kind, ...(this.frontier.length ? { needs: [...this.frontier] } : {}), ...rest };
    this.draft.steps.push(step);
    if (background) {
      this.background.push(id as string);
    } else {
      this.frontier = [id as string];
    }
  }

  private placeWait(title: string, seconds: number, path: SourcePath): string {
    const id = this.draft.ids.take(title, 'pause');
    const duration = Number.isInteger(seconds) ? `${seconds}s` : `${Math.max(1, Math.round(seconds * 1000))}ms`;
    this.place(newStep({ id, title: `Pause ${seconds}s`, kind: 'wait', duration }, this.at(path)));
    return `wait ${id}`;
  }

  private placeManual(
    id: string,
    title: string,
    mapped: Extract<ProviderMapping, { kind: 'manual' }>,
    path: SourcePath,
    extra?: string,
    background = false,
  ): DraftStep {
    const step = newStep(
      { id, title, kind: 'manual', instructions: [mapped.instructions, extra].filter(Boolean).join('\n\n'), evidenceFields: [{ name: 'note', required: false }] },
      this.at(path),
      [`MANUAL (import): ${mapped.reason}`],
    );
    this.place(step, background);
    return step;
  }

  private checkStep(id: string, title: string, activity: JsonObject, mapped: Extract<ProviderMapping, { kind: 'call' }>, path: SourcePath): DraftStep {
    const input = { ...mapped.input };
    const notes = mapped.todos.map((t) => `TODO(import): ${t}`);
    const keyNotes: Record<string, string[]> = {};
    let expect = 'true';
    if ('tolerance' in activity) {
      const t = mapTolerance(activity.tolerance, mapped.provider);
      expect = t.expect;
      if (t.todo) keyNotes.expect = [`TODO(import): ${t.todo}`];
      if (t.httpStatus) input.expect = { ...(isObject(input.expect) ? input.expect : {}), status: t.httpStatus.length === 1 ? t.httpStatus[0] : t.httpStatus };
      if (t.exitCodes) input.expectExitCode = t.exitCodes.length === 1 ? t.exitCodes[0] : t.exitCodes;
    } else {
      keyNotes.expect = ['a probe of the method observes; its output is kept as evidence'];
    }
    const step = newStep({ id, title, kind: 'check', probe: { adapter: mapped.adapter, input }, expect, evidence: '*' }, this.at(path), notes);
    step.keyNotes = { ...keyNotes };
    prefixKeyNotes(step, 'probe.input', mapped.keyNotes);
    if (keyNotes.expect?.[0].startsWith('TODO')) step.notes.push('TODO(import): the expectation below is a placeholder ("true")');
    return step;
  }

  private tolerancePrompt(activity: JsonObject): string | undefined {
    return 'tolerance' in activity ? `Chaos Toolkit's tolerance: \`${JSON.stringify(activity.tolerance)}\`` : undefined;
  }

  private refToNothing(raw: JsonObject, path: SourcePath, what: string): undefined {
    const id = this.draft.ids.take(`ref ${String(raw.ref)}`);
    this.placeManual(
      id,
      `Unresolved reference "${String(raw.ref)}"`,
      { kind: 'manual', instructions: `The experiment referred to an activity named "${String(raw.ref)}" that it does not declare.`, reason: 'a ref to no declared activity' },
      path,
    );
    this.report(`${what} {ref: ${JSON.stringify(raw.ref)}}`, path, 'manual', [`step ${id}`], 'names no declared activity');
    return undefined;
  }

  // --- providers ----------------------------------------------------------------------------

  private mapProvider(activity: JsonObject, path: SourcePath): ProviderMapping {
    const provider = activity.provider as JsonObject;
    if (JSON.stringify(provider).includes('${{')) {
      // drillbook would read it as a template: a person decides what was meant.
      return {
        kind: 'manual',
        reason: 'the provider holds "${{", which drillbook reads as a template',
        instructions: `Chaos Toolkit ran this provider:\n\n\`\`\`json\n${JSON.stringify(provider, null, 2)}\n\`\`\`\n\nDo the same and confirm, or rewrite it as an adapter call.`,
      };
    }
    switch (provider.type) {
      case 'http':
        return this.mapHttp(provider, String(activity.name));
      case 'process':
        return this.mapProcess(activity, provider, [...path, 'provider']);
      default:
        return {
          kind: 'manual',
          reason: `a python provider (${String(provider.module)}.${String(provider.func)}) must be ported`,
          instructions: [
            `Chaos Toolkit called the Python function \`${String(provider.module)}.${String(provider.func)}\`` +
              (provider.arguments !== undefined ? ` with the arguments:\n\n\`\`\`json\n${JSON.stringify(provider.arguments, null, 2)}\n\`\`\`` : '.'),
            'Do the same by hand and confirm, or port it to an adapter (http, exec) and replace this step.',
          ].join('\n\n'),
        };
    }
  }

  /** `${name}` → a param template; a secret → `onSecret(param)`; other names stay as written. */
  private substitute(text: string, onSecret: (param: string, name: string) => string): { value: string; unknown: string[] } {
    const unknown: string[] = [];
    const value = text.replace(SUBSTITUTION, (whole, name: string) => {
      const configParam = this.config.get(name);
      if (configParam) return `\${{ params.${configParam} }}`;
      const secretParam = this.secrets.get(name);
      if (secretParam) return onSecret(secretParam, name);
      unknown.push(name);
      return whole;
    });
    return { value, unknown };
  }

  private substituteJson(value: Json, todos: string[], where: string): Json {
    if (typeof value === 'string') {
      const { value: v, unknown } = this.substitute(value, (_, name) => {
        todos.push(`${where} used the secret "${name}", which cannot be written into a value: pass it another way`);
        return `TODO-secret-${name}`;
      });
      if (unknown.length) todos.push(`${where} names ${unknown.map((u) => `\${${u}}`).join(', ')}, which the experiment does not declare`);
      return v;
    }
    if (Array.isArray(value)) return value.map((v) => this.substituteJson(v, todos, where));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.substituteJson(v, todos, where)]));
    return value;
  }

  private mapHttp(provider: JsonObject, activityName: string): ProviderMapping {
    const todos: string[] = [];
    const keyNotes: Record<string, string[]> = {};
    const method = String(provider.method ?? 'GET').toUpperCase();
    if (!HTTP_METHODS.includes(method)) {
      return { kind: 'manual', reason: `HTTP method ${method} is not one the http adapter sends`, instructions: `Send ${method} ${String(provider.url)} and confirm the answer.` };
    }
    let url = this.substituteJson(String(provider.url), todos, 'the URL') as string;
    const input: JsonObject = { method };
    const args = provider.arguments;
    if (isObject(args) && Object.keys(args).length) {
      const values = this.substituteJson(args, todos, 'the arguments') as JsonObject;
      if (method === 'GET' || method === 'HEAD') {
        // Chaos Toolkit sends them as the query string.
        const query = Object.entries(values)
          .map(([k, v]) => `${encodeURIComponent(k)}=${typeof v === 'string' && v.includes('${{') ? v : encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
          .join('&');
        url += (url.includes('?') ? '&' : '?') + query;
      } else {
        input.body = values;
        const contentType = isObject(provider.headers) ? Object.entries(provider.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] : undefined;
        if (!String(contentType ?? '').includes('json')) {
          keyNotes.body = ['TODO(import): sent as JSON; Chaos Toolkit sent these arguments form-encoded (no JSON Content-Type was set)'];
          todos.push('the arguments are now a JSON body');
        }
      }
    }
    if (!url.includes('${{') && !isHttpUrl(url)) {
      return { kind: 'manual', reason: `the URL ${JSON.stringify(url)} is not an http(s) URL`, instructions: `Call ${method} ${url} and confirm the answer.` };
    }
    input.url = url;
    if (isObject(provider.headers)) {
      const headers: JsonObject = {};
      const fromSecrets: JsonObject = {};
      for (const [name, raw] of Object.entries(provider.headers)) {
        if (!HEADER_NAME.test(name)) {
          todos.push(`the header ${JSON.stringify(name)} is not a valid HTTP header name and was left out`);
          continue;
        }
        const text = String(raw);
        const secretsUsed: string[] = [];
        const { value } = this.substitute(text, (param, secret) => {
          secretsUsed.push(secret);
          return `\${{ params.${param} }}`;
        });
        if (secretsUsed.length) {
          const param = this.secrets.get(secretsUsed[0])!;
          fromSecrets[name] = `\${{ params.${param} }}`;
          if (value !== fromSecrets[name]) {
            keyNotes.headersFromSecrets = [
              ...(keyNotes.headersFromSecrets ?? []),
              `TODO(import): the secret must now hold the whole ${name} value (the experiment built ${JSON.stringify(text)})`,
            ];
            todos.push(`the ${name} header is now the whole secret`);
          }
        } else if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) {
          // A credential written in the experiment: never copied.
          const env = secretEnvName(activityName, name);
          const param = this.draft.addParam(`${activityName}_${name}`.toLowerCase(), { type: 'secret', default: `env:${env}` }, [
            `TODO(import): the experiment wrote this ${name} header's value in plain text; it was not copied. Set ${env} on the workers`,
          ]);
          fromSecrets[name] = `\${{ params.${param} }}`;
          todos.push(`the ${name} header's value was not copied: set ${env}`);
        } else {
          headers[name] = this.substituteJson(text, todos, `the ${name} header`);
        }
      }
      if (Object.keys(headers).length) input.headers = headers;
      if (Object.keys(fromSecrets).length) input.headersFromSecrets = fromSecrets;
    }
    const timeoutMs = timeoutOf(provider.timeout);
    if (timeoutMs !== undefined) input.timeoutMs = timeoutMs;
    if (typeof provider.expected_status === 'number') input.expect = { status: provider.expected_status };
    if (provider.verify_tls === false) {
      todos.push('verify_tls: false has no equivalent: the http adapter always verifies certificates');
    }
    // The order a reader expects: what is called, with what, how.
    const order = ['method', 'url', 'headers', 'headersFromSecrets', 'body', 'timeoutMs', 'expect'];
    const ordered = Object.fromEntries(order.filter((k) => k in input).map((k) => [k, input[k]]));
    return { kind: 'call', provider: 'http', adapter: 'http', input: ordered, todos, keyNotes };
  }

  private mapProcess(activity: JsonObject, provider: JsonObject, path: SourcePath): ProviderMapping {
    const todos: string[] = [];
    const keyNotes: Record<string, string[]> = {};
    const program = String(provider.path);
    const input: JsonObject = {};
    const envFromSecrets: JsonObject = {};
    const env: JsonObject = {};
    const args = provider.arguments ?? [];
    if (typeof args === 'string') {
      // Chaos Toolkit runs `path arguments` through a shell when arguments is one string.
      const split = splitShellWords(args, SUBSTITUTION);
      if (split.kind === 'words') {
        input.argv = [program, ...split.argv.map((a) => this.argWithSecrets(a, envFromSecrets, todos))];
      } else {
        const fileName = `${this.draft.ids.take(`${String(activity.name)} script`, 'script')}.sh`;
        const body = this.shellScript(`${program} ${args}`, env, envFromSecrets, this.at(path));
        input.argv = ['/bin/sh', this.draft.addScript(fileName, body, this.at(path))];
        keyNotes.argv = [`the arguments held ${split.reason}: the line is in the script ${fileName}, run by /bin/sh`];
      }
    } else {
      const list: Json[] = Array.isArray(args) ? args : isObject(args) ? Object.entries(args).flat() : [];
      const argv = list.filter((a) => a !== null && a !== '').map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
      input.argv = [program, ...argv.map((a) => this.argWithSecrets(a, envFromSecrets, todos))];
    }
    if (Object.keys(env).length) input.env = env;
    const shellNotes = templatesOutOfShellCode(input);
    if (shellNotes.length) {
      keyNotes.env = [shellNotes[0]];
      todos.push(...shellNotes.slice(1));
    }
    if (Object.keys(envFromSecrets).length) input.envFromSecrets = envFromSecrets;
    const timeoutMs = timeoutOf(provider.timeout);
    if (timeoutMs !== undefined) input.timeoutMs = timeoutMs;
    return { kind: 'call', provider: 'process', adapter: 'exec', input, todos, keyNotes };
  }

  /** One argv element: config → template; a secret → the environment (the program must read it there). */
  private argWithSecrets(arg: string, envFromSecrets: JsonObject, todos: string[]): string {
    const { value, unknown } = this.substitute(arg, (param, name) => {
      const envName = secretEnvName(name).replace('DRILLBOOK_SECRET_', '');
      envFromSecrets[envName] = `\${{ params.${param} }}`;
      todos.push(`an argument held the secret "${name}": an argv cannot carry a secret, so it is in the environment as ${envName}; make the program read it there`);
      return `TODO-secret-from-env-${envName}`;
    });
    if (unknown.length) todos.push(`an argument names ${unknown.map((u) => `\${${u}}`).join(', ')}, which the experiment does not declare`);
    return value;
  }

  /** A shell line as a script; `${name}` of configuration and secrets become environment variables. */
  private shellScript(line: string, env: JsonObject, envFromSecrets: JsonObject, from: SourcePlace): string {
    for (const m of line.matchAll(SUBSTITUTION)) {
      const name = m[1];
      if (!ENV_NAME.test(name)) continue;
      const configParam = this.config.get(name);
      const secretParam = this.secrets.get(name);
      if (configParam) env[name] = `\${{ params.${configParam} }}`;
      else if (secretParam) envFromSecrets[name] = `\${{ params.${secretParam} }}`;
    }
    return `#!/bin/sh\n# Imported from ${placeText(from)}: Chaos Toolkit ran this line through a shell.\n# \${name} values come from the step's environment.\n${line}\n`;
  }
}

function prefixKeyNotes(step: DraftStep, prefix: string, notes: Record<string, string[]>): void {
  for (const [key, lines] of Object.entries(notes)) step.keyNotes[`${prefix}.${key}`] = lines;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Seconds (or [connect, read] seconds) → whole milliseconds within the adapters' limits. */
function timeoutOf(value: Json | undefined): number | undefined {
  const seconds = typeof value === 'number' ? value : Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]).reduce((a, b) => a + b, 0) : undefined;
  if (seconds === undefined || seconds <= 0) return undefined;
  return Math.min(Math.max(1, Math.round(seconds * 1000)), 10 * 60_000);
}

