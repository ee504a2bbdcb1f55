/**
 * The runbook YAML format as zod schemas: one declaration gives the runtime check, the static types
 * (`z.input` = what authors write, `z.output` = durations in ms, defaults filled in) and the published
 * JSON Schema (json-schema.ts).
 *
 * Every object is strict, so a typo such as `neds:` is an error instead of a silently ignored key.
 * Cross-field rules (unique ids, known needs, cycles, references, adapter inputs) are not here: zod
 * skips refinements of input with shape errors, and authors should see all problems at once, so
 * validate.ts checks those itself on whatever parsed.
 */
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../plan/duration';
import { parseExpression } from '../plan/expression-parser';
import { compileParamPattern } from '../plan/params';
import { APPROVAL_ON_TIMEOUT, GUARD_ON_VIOLATION, MARKS, MODES, ON_FAILURE, PARAM_TYPES } from '../plan/types';
import { API_VERSION, STEP_ID_PATTERN } from './names';

export { API_VERSION, STEP_ID_PATTERN };

export const STEP_KINDS = ['action', 'check', 'wait', 'notify', 'manual', 'approval', 'sequence'] as const;

/** Param names are identifiers so that `params.<name>` parses as a member access. */
export const PARAM_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A secret's value is where to find it, never the secret: `env:NAME` or `file:/absolute/path`. */
export const SECRET_REF_PATTERN = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/\S.*)$/;
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const EVIDENCE_PATH_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** A custom issue's diagnostic code travels in `params.code` (see validate.ts). */
const withCode = (code: string) => ({ code: 'custom' as const, params: { code } });

/** `30s`, `5m`, `1h30m` in, milliseconds out. */
export const DurationSchema = z
  .string({
    error: (iss) => {
      if (iss.input === undefined) return undefined; // missing: the generic "missing required key"
      if (typeof iss.input === 'number') return `duration ${iss.input} has no unit; write e.g. ${iss.input}s or ${iss.input}m`;
      return 'a duration is text with a unit, e.g. 30s, 5m, 1h30m';
    },
  })
  .transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (parsed.ok) return parsed.ms;
    ctx.addIssue({ ...withCode('duration.invalid'), message: parsed.error, input: text });
    return z.NEVER;
  })
  .meta({ id: 'Duration', pattern: DURATION_PATTERN, description: 'A duration: integers with units d, h, m, s, ms, largest first (500ms, 30s, 5m, 1h30m).' });

const StepId = z
  .string()
  .regex(STEP_ID_PATTERN, { error: 'a step id is kebab-case: lowercase letters and digits joined by "-" (e.g. promote-standby)' });
const Name = z.string().regex(NAME_PATTERN, { error: 'a name is lowercase letters, digits, ".", "_" and "-" (e.g. core-banking)' });
const Text = z.string().min(1);

/** An adapter call; `input` is checked against the adapter's own schema by validate.ts. */
export const AdapterCallSchema = z.strictObject({
  adapter: Text.meta({ description: 'An adapter registered in activities/adapters/index.ts (http, postgres, exec, notify, ...).' }),
  input: z
    .record(z.string(), z.json())
    .default({})
    .meta({ description: 'The adapter input. Any string may hold templates: ${{ expr }}.' }),
}).meta({ id: 'AdapterCall' });

export const RetrySchema = z.strictObject({
  attempts: z.int().min(1).max(100).meta({ description: 'Total attempts including the first.' }),
  interval: DurationSchema.optional().meta({ description: 'Wait before the first retry (default 1s).' }),
  backoff: z.number().min(1).max(10).optional().meta({ description: 'Multiplier of the interval after each retry (default 2).' }),
  maxInterval: DurationSchema.optional(),
}).meta({ id: 'Retry' });

const common = {
  id: StepId,
  title: Text,
  needs: z.array(z.string()).default([]).meta({ description: 'Ids of steps that must finish first.' }),
  when: Text.optional().meta({ description: "A condition; the step is skipped when false (e.g. mode == 'failover')." }),
  timeout: DurationSchema.optional(),
  retry: RetrySchema.optional(),
  onFailure: z.enum(ON_FAILURE).default('pause'),
  compensate: AdapterCallSchema.optional().meta({ description: 'The undo, run in reverse order of completion on abort.' }),
  site: Name.optional().meta({ description: "Which site's worker runs the step." }),
  marks: z.array(z.enum(MARKS)).default([]),
  evidence: z
    .union([z.literal('*'), z.array(z.union([z.literal('*'), z.string().regex(EVIDENCE_PATH_PATTERN)]))])
    .transform((e) => (e === '*' ? ['*'] : e))
    .default([])
    .meta({ description: "Output fields (dot paths) kept in the audit trail, or '*' for the whole output." }),
};

/** Only adapter-calling steps can run as local activities. */
const local = z
  .boolean()
  .optional()
  .meta({ description: "Run as a local activity in the workflow's worker: no task-queue round trip, for a failover's critical path. Not with `site`." });

export const ActionStepSchema = z.strictObject({ ...common, local, kind: z.literal('action'), action: AdapterCallSchema }).meta({ id: 'ActionStep' });

export const UntilSchema = z.strictObject({
  within: DurationSchema.meta({ description: 'Give up after this long.' }),
  every: DurationSchema.meta({ description: 'Probe again after this long.' }),
}).meta({ id: 'Until' });

export const CheckStepSchema = z.strictObject({
  ...common,
  local,
  kind: z.literal('check'),
  probe: AdapterCallSchema,
  expect: Text.meta({ description: "Must be true of the probe's `output`, e.g. output.lagBytes < 1048576." }),
  until: UntilSchema.optional(),
}).meta({ id: 'CheckStep' });

export const WaitStepSchema = z.strictObject({ ...common, kind: z.literal('wait'), duration: DurationSchema }).meta({ id: 'WaitStep' });

export const NotifyStepSchema = z.strictObject({
  ...common,
  kind: z.literal('notify'),
  notify: z.strictObject({ adapter: Text.default('notify'), input: AdapterCallSchema.shape.input }),
}).meta({ id: 'NotifyStep' });

export const EvidenceFieldSchema = z.strictObject({
  name: z.string().regex(PARAM_NAME_PATTERN, { error: 'an evidence field name is an identifier (letters, digits, _)' }),
  description: z.string().optional(),
  required: z.boolean().default(true),
}).meta({ id: 'EvidenceField' });

export const ManualStepSchema = z.strictObject({
  ...common,
  kind: z.literal('manual'),
  instructions: Text.meta({ description: 'Markdown shown to the operator.' }),
  evidenceFields: z.array(EvidenceFieldSchema).default([]),
  role: Name.optional().meta({ description: 'The user role that may confirm it (default: operator).' }),
}).meta({ id: 'ManualStep' });

/** A notice (reminder, escalation): a `notify` adapter call unless another adapter is named. */
const NoticeSchema = z.strictObject({ adapter: Text.default('notify'), input: AdapterCallSchema.shape.input }).meta({ id: 'Notice' });

export const ApprovalStepSchema = z.strictObject({
  ...common,
  kind: z.literal('approval'),
  role: Text,
  approvers: z.int().min(1).max(10).default(1).meta({ description: 'Distinct approvers needed, never the initiator.' }),
  instructions: z.string().optional(),
  onTimeout: z
    .enum(APPROVAL_ON_TIMEOUT)
    .optional()
    .meta({ description: 'After `timeout`: abort the run, or send `escalate` and keep waiting. Absent: the step fails and follows onFailure.' }),
  escalate: NoticeSchema.optional().meta({ description: 'The notice sent when onTimeout is escalate.' }),
  remind: z
    .strictObject({ every: DurationSchema, notify: NoticeSchema })
    .optional()
    .meta({ description: 'Remind the approvers every so often while the approval waits.' }),
})
  .superRefine((step, ctx) => {
    if (step.onTimeout === 'escalate' && !step.escalate) {
      ctx.addIssue({ ...withCode('approval.escalate_missing'), path: ['escalate'], message: 'onTimeout: escalate needs an `escalate` notice' });
    }
    if (step.onTimeout !== undefined && step.timeout === undefined) {
      ctx.addIssue({ ...withCode('approval.timeout_missing'), path: ['onTimeout'], message: 'onTimeout needs a `timeout`' });
    }
  })
  .meta({ id: 'ApprovalStep' });

/**
 * What a member of a sequence may say: no `needs` (it runs after the member before it), no `site`,
 * `local`, `retry` or `timeout` (the sequence's own apply to all of it), and `onFailure` only
 * `continue` (otherwise the sequence fails at that member, and the sequence's `onFailure` applies).
 */
const memberOnly = { needs: true, site: true, local: true, retry: true, timeout: true, onFailure: true } as const;
const memberOnFailure = z
  .literal('continue')
  .optional()
  .meta({ description: 'continue: the sequence goes on after this member fails. Absent: the sequence fails here.' });

export const SequenceMemberSchema = z
  .discriminatedUnion('kind', [
    ActionStepSchema.omit(memberOnly).extend({ onFailure: memberOnFailure }),
    CheckStepSchema.omit(memberOnly).extend({ onFailure: memberOnFailure }),
  ])
  .meta({ id: 'SequenceMember' });

export const SequenceStepSchema = z.strictObject({
  id: common.id,
  title: common.title,
  needs: common.needs,
  when: common.when,
  timeout: DurationSchema.optional().meta({ description: "The whole sequence's limit (default: 10m plus its checks' windows)." }),
  retry: common.retry,
  onFailure: common.onFailure,
  site: common.site,
  local,
  kind: z.literal('sequence'),
  steps: z
    .array(SequenceMemberSchema)
    .min(1)
    .meta({ description: 'Action and check steps run in this order in one activity: no round trip, no audit write between them.' }),
}).meta({ id: 'SequenceStep' });

export const StepSchema = z.discriminatedUnion('kind', [
  ActionStepSchema,
  CheckStepSchema,
  WaitStepSchema,
  NotifyStepSchema,
  ManualStepSchema,
  ApprovalStepSchema,
  SequenceStepSchema,
]).meta({ id: 'Step' });

/** A guard's `expect` is parsed here so a syntax error is a diagnostic, not a compile crash. */
const GuardExpect = Text.superRefine((source, ctx) => {
  const parsed = parseExpression(source);
  if (!parsed.ok) ctx.addIssue({ ...withCode('expression.syntax'), message: `expect: ${parsed.error}` });
});

export const GuardSchema = z.strictObject({
  id: StepId,
  title: Text,
  probe: AdapterCallSchema,
  expect: GuardExpect.meta({ description: "Must stay true of the probe's `output` while the run is active." }),
  every: DurationSchema.optional().meta({ description: 'Probe this often (default 5s).' }),
  onViolation: z.enum(GUARD_ON_VIOLATION).default('pause'),
  site: Name.optional(),
}).meta({ id: 'Guard' });

/** Longest `pattern` of a param: a pattern is a short allow-list, not a program. */
export const MAX_PARAM_PATTERN_LENGTH = 500;

export const ParamSchema = z
  .strictObject({
    type: z.enum(PARAM_TYPES),
    description: z.string().optional(),
    required: z.boolean().optional().meta({ description: 'Default: true unless a default is given.' }),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    pattern: z
      .string()
      .min(1)
      .max(MAX_PARAM_PATTERN_LENGTH)
      .optional()
      .meta({
        description:
          'string params: a regular expression the whole value must match (checked when a run starts). Declares the param safe inside a shell script (`sh -c`).',
      }),
  })
  .superRefine((p, ctx) => {
    if (p.pattern !== undefined) {
      if (p.type !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `pattern applies to string params only (this one is ${p.type})` });
      } else {
        const regex = compileParamPattern(p.pattern);
        if (typeof regex === 'string') ctx.addIssue({ code: 'custom', path: ['pattern'], message: `pattern is not a valid regular expression: ${regex}` });
        else if (typeof p.default === 'string' && !regex.test(p.default)) {
          ctx.addIssue({ code: 'custom', path: ['default'], message: 'the default does not match the param\'s pattern' });
        }
      }
    }
    if (p.default === undefined) return;
    const expected = p.type === 'secret' ? 'string' : p.type;
    if (typeof p.default !== expected) {
      ctx.addIssue({ ...withCode('param.default_type'), path: ['default'], message: `default must be a ${expected} for a ${p.type} param` });
    } else if (p.type === 'secret' && !SECRET_REF_PATTERN.test(p.default as string)) {
      // Never echo the value: it may be the secret itself.
      ctx.addIssue({
        ...withCode('param.secret_value'),
        path: ['default'],
        message: 'a secret default must be a reference (env:NAME or file:/path), never the secret itself',
      });
    }
  });

export const RunbookSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION),
    name: Name,
    version: z
      .union([z.string().min(1), z.int()], { error: 'version is text; quote it, e.g. version: "1.4"' })
      .transform(String),
    description: z.string().optional(),
    owners: z.array(Text).min(1),
    services: z.array(Name).min(1),
    objectives: z.strictObject({ rto: DurationSchema.optional(), rpo: DurationSchema.optional() }).optional(),
    params: z
      .record(z.string().regex(PARAM_NAME_PATTERN, { error: 'a param name is an identifier (letters, digits, _)' }), ParamSchema)
      .default({}),
    modes: z.array(z.enum(MODES)).min(1).default(['drill']).meta({ description: 'Modes the runbook may run in (default: drill only).' }),
    prechecks: z
      .array(CheckStepSchema.extend({ kind: z.literal('check').default('check') }))
      .default([])
      .meta({ description: 'Checks of the steady state (kind: check, which may be left out); every step needs them.' }),
    steps: z.array(StepSchema).min(1),
    guards: z.array(GuardSchema).optional().meta({ description: 'Probes checked continuously while the run is active.' }),
  })
  .meta({ title: 'drillbook runbook', description: 'A disaster-recovery runbook (drillbook/v1).' });

/** What authors write. */
export type RunbookInput = z.input<typeof RunbookSchema>;
/** After parsing: durations in ms, defaults filled in. */
export type Runbook = z.output<typeof RunbookSchema>;
export type RunbookStep = z.output<typeof StepSchema>;
export type RunbookSequenceMember = z.output<typeof SequenceMemberSchema>;
export type RunbookParam = z.output<typeof ParamSchema>;
export type RunbookAdapterCall = z.output<typeof AdapterCallSchema>;
