/** Picks the output fields a step names as `evidence` for its audit event (`['*']`: the whole output). */
import type { Json } from '../src/plan/types';

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
