/** Picks the output fields a step names as `evidence` for its audit event (`['*']`: the whole output). */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../plan/canonical';
import type { Json } from '../plan/types';

export function pickEvidence(output: Json, paths: string[]): Json {
  if (paths.includes('*')) return output;
  const picked: Record<string, Json> = {};
  for (const path of paths) picked[path] = readPath(output, path);
  return picked;
}

function readPath(value: Json, path: string): Json {
  let current: Json = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = Array.isArray(current) ? (current[Number(part)] ?? null) : (current[part] ?? null);
  }
  return current;
}

/** The sha256 of an output's canonical JSON: chained with a step's completion, it is what the dossier's hash of the kept output is checked against. */
export function outputSha256(output: Json): string {
  return createHash('sha256').update(canonicalJson(output)).digest('hex');
}
