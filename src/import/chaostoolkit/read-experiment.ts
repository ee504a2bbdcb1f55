/**
 * Reads a Chaos Toolkit experiment (JSON or YAML) and checks it is one, in a version the importer
 * knows, before anything is mapped: each problem located at file:line:col.
 *
 * The format, from Chaos Toolkit's experiment specification: `version`, `title`, `description`,
 * `method` (a non-empty list of activities); optional `steady-state-hypothesis` (`title`, `probes`
 * with a `tolerance` each), `rollbacks`, `configuration`, `secrets`, `controls`, `tags`,
 * `contributions`, `extensions`. An activity is `{type: action|probe, name, provider, ...}` or
 * `{ref: name}`; a provider is `{type: python|http|process, ...}`.
 */
import { ImportRefused, type ImportProblem } from '../import-error';
import { readStructured, type SourcePath, type StructuredSource } from '../structured-source';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Experiment {
  src: StructuredSource;
  doc: JsonObject;
}

/** Spec versions in the wild: the specification's "0.1.0" and the "1.x" its examples and tools write. */
const KNOWN_VERSION = /^(0\.1(\.0)?|1(\.\d+){0,2})$/;
const PROVIDER_TYPES = ['python', 'http', 'process'];

export const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** @throws ImportRefused with every problem found. */
export function readExperiment(text: string, file: string): Experiment {
  const src = readStructured(text, file);
  const problems: ImportProblem[] = [];
  const problem = (path: SourcePath, message: string) => problems.push({ ...src.at(path), message });
  const doc = src.value;
  if (!isObject(doc) || (!('method' in doc) && !('steady-state-hypothesis' in doc))) {
    problem([], 'not a Chaos Toolkit experiment: expected a mapping with title, description and method');
    throw new ImportRefused(problems);
  }
  if (doc.version === undefined) problem([], 'not a Chaos Toolkit experiment: no version (the specification requires one, e.g. "1.0.0")');
  else if (!KNOWN_VERSION.test(String(doc.version))) {
    problem(['version'], `unknown experiment version ${JSON.stringify(doc.version)}: this importer knows 0.1.0 and 1.x`);
  }
  if (typeof doc.title !== 'string' || !doc.title.trim()) problem(doc.title === undefined ? [] : ['title'], 'an experiment needs a title (text)');
  if (!Array.isArray(doc.method) || doc.method.length === 0) {
    problem(doc.method === undefined ? [] : ['method'], 'an experiment needs a method: a non-empty list of actions and probes');
  } else {
    doc.method.forEach((a, i) => checkActivity(a, ['method', i], problem));
  }
  const hypo = doc['steady-state-hypothesis'];
  if (hypo !== undefined) {
    if (!isObject(hypo)) problem(['steady-state-hypothesis'], 'the steady-state-hypothesis is a mapping with title and probes');
    else if (hypo.probes !== undefined && !Array.isArray(hypo.probes)) problem(['steady-state-hypothesis', 'probes'], 'probes is a list');
    else {
      (hypo.probes ?? []).forEach((p, i) => {
        const path = ['steady-state-hypothesis', 'probes', i];
        checkActivity(p, path, problem);
        if (isObject(p) && !('ref' in p) && !('tolerance' in p)) problem(path, 'a steady-state probe needs a tolerance');
      });
    }
  }
  if (doc.rollbacks !== undefined) {
    if (!Array.isArray(doc.rollbacks)) problem(['rollbacks'], 'rollbacks is a list of actions');
    else doc.rollbacks.forEach((a, i) => checkActivity(a, ['rollbacks', i], problem));
  }
  for (const key of ['configuration', 'secrets'] as const) {
    if (doc[key] !== undefined && !isObject(doc[key])) problem([key], `${key} is a mapping`);
  }
  if (isObject(doc.secrets)) {
    for (const [scope, keys] of Object.entries(doc.secrets)) {
      if (!isObject(keys)) problem(['secrets', scope], `secrets.${scope} is a mapping of keys to secrets`);
    }
  }
  if (problems.length) throw new ImportRefused(problems);
  return { src, doc };
}

function checkActivity(a: unknown, path: SourcePath, problem: (path: SourcePath, message: string) => void): void {
  if (!isObject(a)) return problem(path, 'an activity is a mapping (type, name, provider) or {ref: name}');
  if ('ref' in a) {
    if (typeof a.ref !== 'string') problem([...path, 'ref'], 'ref names an activity declared elsewhere in the experiment');
    return;
  }
  if (a.type !== 'action' && a.type !== 'probe') problem(a.type === undefined ? path : [...path, 'type'], 'an activity\'s type is "action" or "probe"');
  if (typeof a.name !== 'string' || !a.name.trim()) problem(a.name === undefined ? path : [...path, 'name'], 'an activity needs a name');
  const provider = a.provider;
  if (!isObject(provider)) return problem(provider === undefined ? path : [...path, 'provider'], 'an activity needs a provider (a mapping with a type)');
  if (typeof provider.type !== 'string' || !PROVIDER_TYPES.includes(provider.type)) {
    return problem([...path, 'provider', 'type'], `a provider's type is one of ${PROVIDER_TYPES.join(', ')}`);
  }
  if (provider.type === 'http' && typeof provider.url !== 'string') problem([...path, 'provider'], 'an http provider needs a url');
  if (provider.type === 'process' && typeof provider.path !== 'string') problem([...path, 'provider'], 'a process provider needs a path');
  if (provider.type === 'python' && (typeof provider.module !== 'string' || typeof provider.func !== 'string')) {
    problem([...path, 'provider'], 'a python provider needs a module and a func');
  }
}
