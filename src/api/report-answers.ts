/**
 * The answers of the auditor's and the programme's read routes (routes/reports.ts, routes/programme.ts,
 * routes/access.ts), for the OpenAPI document: what each answer always has (objects open, as in
 * answer-schemas.ts). The figures are the report builders' of src/reports/, sent as they build them.
 */
import { z } from 'zod';

const When = z.string().describe('ISO 8601 date-time');
const Ms = z.number().nullable().describe('milliseconds; null: not measured');
const Attainment = z.enum(['met', 'missed', 'not measured', 'no target']);

const HistoryRun = z.looseObject({
  runId: z.string(),
  runbookName: z.string(),
  runbookVersion: z.string(),
  mode: z.string(),
  services: z.array(z.string()),
  initiator: z.string(),
  status: z.string(),
  verdict: z.string().nullable(),
  startedAt: When,
  endedAt: When.nullable(),
  rtoMs: Ms,
  rpoMs: Ms,
  durationMs: z.number().nullable(),
});
export const ServiceHistoryAnswer = z.looseObject({
  service: z.string(),
  inventory: z
    .looseObject({ owner: z.string(), criticality: z.string(), critical: z.boolean(), cadence: z.string(), rtoMs: z.number(), rpoMs: z.number() })
    .nullable()
    .describe("the service's inventory entry; null when the inventory does not list it"),
  runs: z.array(HistoryRun).describe('newest first'),
  next: z.string().nullable().describe('`before` for the next page (the last run\'s start), null at the end'),
});

export const CoverageAnswer = z.looseObject({
  report: z.literal('coverage'),
  period: z.string(),
  asOf: When,
  services: z.array(
    z.looseObject({
      service: z.string(),
      criticality: z.string(),
      critical: z.boolean(),
      owner: z.string(),
      drilled: z.boolean(),
      drills: z.number(),
      drillTypes: z.array(z.string()),
      writeTested: z.boolean(),
      status: z.string(),
      overdue: z.boolean(),
      changedSinceDrill: z.boolean(),
      changedSinceLastPass: z.boolean().describe('a runbook of the service ran or was registered in another version (plan hash) after its last passing drill'),
      runbookChanges: z.array(
        z.looseObject({
          runbook: z.string(),
          lastPass: z.looseObject({ runId: z.string(), version: z.string(), planHash: z.string(), endedAt: When }),
          current: z
            .looseObject({ source: z.enum(['run', 'registration']), ref: z.string().describe('the run id, or the registration\'s request id'), version: z.string(), planHash: z.string(), at: When })
            .describe('the newest run or registration of the runbook for the service'),
        }),
      ),
      lastDrill: z.string().nullable(),
    }),
  ),
  totals: z.looseObject({ services: z.number(), drilled: z.number(), writeTested: z.number(), overdue: z.number(), changedSinceDrill: z.number(), changedSinceLastPass: z.number() }),
});

export const AttainmentAnswer = z.looseObject({
  report: z.literal('attainment'),
  from: When,
  to: When,
  rows: z.array(
    z.looseObject({
      service: z.string(), runId: z.string(), period: z.string(), drillType: z.string(), endedAt: When, verdict: z.string().nullable(),
      rtoTargetMs: z.number(), rtoMs: Ms, rto: Attainment, rpoTargetMs: z.number(), rpoMs: Ms, rpo: Attainment,
    }),
  ),
  trend: z.array(
    z.looseObject({
      service: z.string(), period: z.string(), runs: z.number(), rtoMeasured: z.number(), rtoMissed: z.number(), worstRtoMs: Ms,
      rpoMeasured: z.number(), rpoMissed: z.number(), worstRpoMs: Ms,
    }),
  ),
});

export const FindingsReportAnswer = z.looseObject({
  report: z.literal('findings'),
  asOf: When,
  findings: z.array(z.looseObject({ findingId: z.string(), severity: z.string(), status: z.string(), title: z.string(), raisedAt: When, ageDays: z.number() })),
  actions: z.array(z.looseObject({ actionId: z.string(), findingId: z.string(), status: z.string(), dueDate: z.string(), overdue: z.boolean(), ageDays: z.number(), daysOverdue: z.number() })),
  acceptances: z.array(z.looseObject({ findingId: z.string(), approver: z.string(), expiresAt: When, expired: z.boolean() })),
  totals: z.looseObject({ findings: z.number(), open: z.number(), openActions: z.number(), overdueActions: z.number() }),
});

const ChainBreak = z.looseObject({ chainId: z.string(), seq: z.number() }).nullable();
const Mismatches = z.array(z.looseObject({ runId: z.string(), differences: z.array(z.string()) }));
export const IntegrityAnswer = z.looseObject({
  report: z.literal('integrity'),
  period: z.string(),
  generatedAt: When.describe('when this verification ran'),
  verification: z.looseObject({ ok: z.boolean(), chains: z.number(), events: z.number(), firstBreak: ChainBreak, seconds: z.number() }),
  runsProjection: z.looseObject({ ok: z.boolean(), runs: z.number(), mismatches: Mismatches }),
  stepResults: z.looseObject({ ok: z.boolean(), rows: z.number(), mismatches: Mismatches }),
  runsInPeriod: z.number(),
  eventsInPeriod: z.number(),
  checkpoints: z.array(z.looseObject({ takenAt: When, digest: z.string(), chains: z.number(), events: z.number(), by: z.string() })),
});

const Objective = z.looseObject({ targetMs: Ms, achievedMs: Ms, recordedMs: Ms, attainment: Attainment });
const SinceLastDrill = z.looseObject({
  runbook: z.string(), version: z.string(), planHash: z.string(),
  previous: z
    .looseObject({ runId: z.string(), version: z.string(), planHash: z.string(), startedAt: When, endedAt: When, status: z.string(), verdict: z.string().nullable() })
    .nullable()
    .describe('the last earlier drill (mode drill, ended, any verdict) of the same runbook; null: this is its first drill'),
  outcome: z.enum(['first drill', 'no change', 'changed']),
  diff: z
    .looseObject({ identical: z.boolean() })
    .nullable()
    .describe('the plan diff (src/plan/plan-diff.ts): prechecks, steps, guards (added, removed, changed by field path), order, params, objectives, header'),
  changes: z.array(z.looseObject({ what: z.string(), item: z.string(), detail: z.string() })).describe('the diff as lines a person reads'),
  trail: z.looseObject({ ok: z.boolean(), problems: z.array(z.string()) }).describe('both pinned plans hash to what their chained run.started names'),
});
export const DossierAnswer = z.looseObject({
  report: z.literal('dossier'),
  runId: z.string(),
  summary: z.looseObject({
    runbook: z.string(), version: z.string(), planHash: z.string(), mode: z.string(), drillType: z.string(), period: z.string(), reason: z.string(),
    initiator: z.string(), status: z.string(), verdict: z.string().nullable(), outcome: z.string(), startedAt: When, endedAt: When.nullable(),
  }),
  scope: z.array(z.looseObject({ service: z.string(), critical: z.boolean(), criticality: z.string().nullable(), inInventory: z.boolean() })),
  transactionClasses: z.array(z.enum(['read', 'write'])),
  participants: z.array(z.looseObject({ name: z.string(), roles: z.array(z.string()) })),
  timeline: z.array(z.looseObject({ stepId: z.string(), title: z.string(), kind: z.string(), status: z.string(), startedAt: When.nullable(), endedAt: When.nullable(), durationMs: z.number().nullable() })),
  objectives: z.looseObject({ rto: Objective, rpo: Objective, disagreements: z.array(z.string()) }),
  sinceLastDrill: SinceLastDrill,
  approvals: z.array(z.looseObject({ stepId: z.string().nullable(), actor: z.string(), at: When })),
  deviations: z.array(z.looseObject({ kind: z.string(), stepId: z.string().nullable(), detail: z.string(), at: When.nullable() })),
  checks: z.array(z.looseObject({ stepId: z.string(), title: z.string(), phase: z.string(), status: z.string() })),
  integrity: z.looseObject({ ok: z.boolean(), events: z.number(), firstBreak: ChainBreak }),
  findings: z.array(z.looseObject({ findingId: z.string() })),
  signoffs: z.array(z.looseObject({ role: z.string(), signer: z.string(), signedAt: When })),
  missingSignoffs: z.array(z.string()),
  evidence: z.array(z.looseObject({ item: z.string(), kind: z.string(), sha256: z.string() })),
});

const CampaignObjective = z.looseObject({ achievedMs: Ms, targetMs: Ms, attainment: Attainment });
export const CampaignDossierAnswer = z.looseObject({
  report: z.literal('campaign-dossier'),
  campaignId: z.string(),
  summary: z.looseObject({
    campaign: z.string(), version: z.string(), campaignHash: z.string(), mode: z.string(), initiator: z.string(), reason: z.string(),
    status: z.string(), verdict: z.string().nullable(), startedAt: When, endedAt: When.nullable(), durationMs: z.number().nullable(),
  }),
  phases: z.array(z.looseObject({
    phaseId: z.string(), execution: z.number(), runbook: z.string(), runId: z.string(), state: z.string(), verdict: z.string().nullable(),
    startedAt: When.nullable(), endedAt: When.nullable(), durationMs: z.number().nullable(), rto: CampaignObjective, rpo: CampaignObjective,
    capacity: z.looseObject({ primaryPeakConnections: z.number(), drMaxConnections: z.number(), ratio: z.number().nullable() }).nullable(),
  })),
  totals: z.looseObject({ durationMs: z.number().nullable(), rtoMs: Ms, worstRpoMs: Ms }),
  integrity: z.looseObject({ ok: z.boolean(), events: z.number() }),
  dossiers: z.array(DossierAnswer).describe("each phase execution's run dossier, in the order of `phases`"),
});

const Blackout = z.looseObject({
  name: z.string(),
  kind: z.enum(['fixed', 'recurring']),
  description: z.string().describe('one line for people: the interval, or the rule'),
  reason: z.string().nullable(),
  services: z.array(z.string()).nullable().describe('null: every service'),
  startsAt: When.nullable(),
  endsAt: When.nullable(),
  inForce: z.looseObject({ startsAt: When, endsAt: When }).nullable().describe('the occurrence in force now, if any'),
});
export const ProgrammeAnswer = z.looseObject({
  asOf: When,
  timeZone: z.string(),
  services: z.array(
    z.looseObject({
      service: z.string(), owner: z.string(), criticality: z.string(), cadence: z.string(), period: z.string(), rtoMs: z.number().nullable(), rpoMs: z.number().nullable(),
      status: z.string().describe('drilled, due or overdue in its current period'), deadline: When, daysLeft: z.number(), dueSoon: z.boolean(),
      lastDrill: z.string().nullable(), schedules: z.array(z.string()),
    }),
  ),
  schedules: z
    .array(
      z.looseObject({
        scheduleId: z.string(), service: z.string().nullable(), runbook: z.string().nullable(), version: z.string().nullable(), mode: z.string().nullable(),
        paused: z.boolean(), note: z.string().nullable(), nextActionTimes: z.array(When),
      }),
    )
    .nullable()
    .describe('null when Temporal could not be asked (see `schedulesUnavailable`)'),
  schedulesUnavailable: z.string().nullable(),
  nextDrills: z.array(
    z.looseObject({ scheduleId: z.string(), service: z.string().nullable(), at: When, deferredUntil: When.nullable().describe('a blackout window covers `at`: the drill waits until then'), blackouts: z.array(z.string()) }),
  ),
  blackouts: z.array(Blackout),
  overdue: z.array(z.looseObject({ service: z.string(), status: z.string(), deadline: When, lastDrill: z.string().nullable() })),
  dueSoon: z.array(z.looseObject({ service: z.string(), deadline: When, daysLeft: z.number() })),
});

export const TokensAnswer = z.looseObject({
  name: z.string(),
  tokens: z.array(
    z.looseObject({
      prefix: z.string().describe('the visible prefix, never the token'), label: z.string(), createdAt: When, expiresAt: When.nullable(), revokedAt: When.nullable(),
      lastUsedAt: When.nullable(), state: z.enum(['active', 'revoked', 'expired']),
    }),
  ),
});

export const RolesAnswer = z.looseObject({
  roles: z.array(z.looseObject({ role: z.string(), may: z.array(z.string()) })),
  actions: z.record(z.string(), z.array(z.string())),
});
