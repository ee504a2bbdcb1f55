/** The request bodies of the API, as strict zod schemas: an unknown or misspelt field is a 400 naming it. */
import { z } from 'zod';
import { SIGNOFF_ROLES } from '../findings/tables';
import { MODES } from '../plan/types';
import { ApiError } from './errors';
import { ReadinessOverride } from './readiness-gate';
import { unstorablePath } from './recorded-request';

const Reason = z.string().trim().min(1, 'a reason is required').max(2000);

export const ConfirmBody = z.strictObject({
  evidence: z.record(z.string(), z.string().max(4000)).default({}),
  note: z.string().max(4000).optional(),
});

export const ApproveBody = z.strictObject({
  comment: z.string().max(2000).optional(),
});

export const DecideBody = z
  .strictObject({
    decision: z.enum(['retry', 'skip', 'abort']),
    reason: z.string().trim().max(2000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.decision === 'skip' && !body.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'skip needs a reason' });
  });

export const AbortBody = z.strictObject({ reason: Reason });

export const TerminateBody = z.strictObject({ reason: Reason });

export const SignoffBody = z.strictObject({
  role: z.enum(SIGNOFF_ROLES),
  comment: z.string().trim().max(2000).optional(),
});

export const StartBody = z.strictObject({
  /** The runbook's YAML text: the server validates and compiles it, so the plan run is the one checked. */
  runbook: z.string().min(1), // its size: DRILLBOOK_RUNBOOK_MAX_BYTES, checked by the parser (src/runbook/limits.ts)
  /** Where the text came from, for diagnostics and the plan's source. */
  file: z.string().min(1).max(500).default('runbook.yaml'),
  mode: z.enum(MODES),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  reason: Reason,
  /** Start although the runbook's recorded readiness is not ready (docs/readiness.md); recorded. */
  readinessOverride: ReadinessOverride.optional(),
});

/**
 * Parses `body` with `schema`.
 * @throws ApiError 400 naming the first field at fault (`reason: skip needs a reason`).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  // What is accepted is recorded, and neither the trail nor Temporal's history can hold these.
  const unstorable = unstorablePath(body);
  if (unstorable !== undefined) {
    throw new ApiError(400, 'invalid_body', `${unstorable}: contains a NUL character or invalid Unicode (a lone surrogate)`, unstorable);
  }
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = [...issue.path, ...(keys.length === 1 ? keys : [])].map(String).join('.') || '(body)';
  const message = parsed.error.issues.map((i) => `${[...i.path].map(String).join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new ApiError(400, 'invalid_body', message, field);
}
