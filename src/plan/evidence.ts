/**
 * The evidence a confirm of a manual step may carry: exactly the step's evidence fields, the required
 * ones filled (a string that is not blank). One rule, read twice: by the API before it sends a confirm
 * (400, field `evidence.<name>`) and by the workflow's update validator (a refused update never lands
 * in history). Each says it in its own words; what is refused is decided here.
 */
import type { EvidenceField } from './types';

/** Why a confirm's evidence is refused: fields the step does not take first, then required ones missing. */
export type EvidenceProblem =
  | { kind: 'unknown'; names: string[] }
  | { kind: 'missing'; fields: EvidenceField[] };

/** Undefined when `evidence` (field name → value) suits `fields`; anything but an object counts as no evidence. */
export function evidenceProblem(fields: readonly EvidenceField[], evidence: unknown): EvidenceProblem | undefined {
  const given = (evidence !== null && typeof evidence === 'object' ? evidence : {}) as Record<string, unknown>;
  const unknown = Object.keys(given).filter((name) => !fields.some((f) => f.name === name));
  if (unknown.length) return { kind: 'unknown', names: unknown };
  const missing = fields.filter((f) => {
    const value = given[f.name];
    return f.required && !(typeof value === 'string' && value.trim());
  });
  if (missing.length) return { kind: 'missing', fields: missing };
  return undefined;
}

/** The names a step takes, for a message: `a, b`, or `none`. */
export function evidenceFieldNames(fields: readonly EvidenceField[]): string {
  return fields.map((f) => f.name).join(', ') || 'none';
}
