/**
 * The API's successful answers, as zod schemas for its OpenAPI document (openapi.ts): what each
 * route's answer always has. Objects are open (`looseObject`): an answer may carry more than is
 * described, never less. Dates are ISO 8601 text.
 */
import { z } from 'zod';

const When = z.string().describe('ISO 8601 date-time');
const Nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const HealthAnswer = z.strictObject({ ok: z.literal(true) });

export const MeAnswer = z.looseObject({ name: z.string(), roles: z.array(z.string()) });

/** An act accepted: the run's id, the step's, and the request's id in the audit trail. */
export const ActAnswer = z.looseObject({ ok: z.literal(true), action: z.string(), runId: z.string(), stepId: z.string().optional(), requestId: z.string() });

export const StartAnswer = z.looseObject({
  ok: z.literal(true),
  runId: z.string(),
  planHash: z.string(),
  requestId: z.string(),
  replayed: z.literal(true).optional().describe('an earlier attempt with this Idempotency-Key started the run'),
});

export const RunAnswer = z.union([
  z.looseObject({
    source: z.literal('temporal'),
    progress: z.looseObject({ runId: z.string(), runbook: z.string(), planHash: z.string(), mode: z.string(), state: z.string(), startedAt: When, steps: z.array(z.looseObject({})) }),
    verdict: Nullable(z.string()),
  }),
  z.looseObject({
    source: z.literal('audit'),
    run: z.looseObject({ runId: z.string(), runbookName: z.string(), runbookVersion: z.string(), planHash: z.string(), mode: z.string(), status: z.string(), initiator: z.string() }),
  }),
]);

export const RunEventsAnswer = z.looseObject({
  events: z.array(z.looseObject({ id: z.string(), chainId: z.string(), seq: z.number(), key: z.string(), type: z.string(), actor: z.string(), at: When, prevHash: z.string(), hash: z.string() })),
});

const Registration = z.looseObject({
  planHash: z.string(),
  runbook: z.string(),
  version: z.string(),
  services: z.array(z.string()),
  modes: z.array(z.string()),
  file: z.string(),
  status: z.string(),
  registered: Nullable(z.looseObject({ by: z.string(), at: When, reason: z.string(), requestId: z.string() })),
  revoked: Nullable(z.looseObject({ by: z.string(), at: When, reason: z.string(), requestId: z.string() })),
});
export const RunbooksAnswer = z.looseObject({ runbooks: z.array(Registration) });
export const RunbookChangeAnswer = z.looseObject({ ok: z.literal(true), planHash: z.string(), runbook: Registration, requestId: z.string() });

const Finding = z.looseObject({
  findingId: z.string(),
  revision: z.number(),
  runId: Nullable(z.string()),
  stepId: Nullable(z.string()),
  severity: z.string(),
  category: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.string(),
  raisedAt: When,
  recordedBy: z.string(),
  recordedAt: When,
});
const FindingAction = z.looseObject({
  actionId: z.string(),
  revision: z.number(),
  findingId: z.string(),
  description: z.string(),
  owner: z.string(),
  dueDate: z.string(),
  status: z.string(),
  recordedBy: z.string(),
  recordedAt: When,
});
const RiskAcceptance = z.looseObject({ findingId: z.string(), approver: z.string(), rationale: z.string(), expiresAt: When, recordedBy: z.string(), recordedAt: When });
export const RegisterAnswer = z.looseObject({ findings: z.array(Finding), actions: z.array(FindingAction), acceptances: z.array(RiskAcceptance) });

/** An audited change's answer (audited-request.ts): `ok`, what changed, and the request id. */
const changed = <T extends z.ZodRawShape>(shape: T) => z.looseObject({ ok: z.literal(true), requestId: z.string(), ...shape });
export const FindingAnswer = changed({ finding: Finding });
export const FindingActionAnswer = changed({ action: FindingAction });
export const RiskAcceptanceAnswer = changed({ acceptance: RiskAcceptance });

const User = z.looseObject({ name: z.string(), displayName: Nullable(z.string()), roles: z.array(z.string()), disabled: z.boolean() });
export const UsersAnswer = z.looseObject({ users: z.array(User) });
export const UserAnswer = changed({ user: User });
export const TokenAnswer = changed({ name: z.string(), token: z.string().describe('shown once, never stored'), prefix: z.string(), label: z.string(), expiresAt: Nullable(When) });
export const RevokedAnswer = changed({ revoked: z.number().int().describe('how many tokens were revoked') });
export const DisabledAnswer = changed({ name: z.string(), disabled: z.boolean() });

/** The console's session (routes/session.ts): who, and the CSRF token its changes carry. */
const SignedIn = {
  signedIn: z.literal(true),
  name: z.string(),
  roles: z.array(z.string()),
  csrfToken: z.string().describe('send it as X-CSRF-Token with every POST, PUT, PATCH, DELETE made with the session cookie'),
  session: z.string().describe("the session's public reference, as the audit trail records it"),
  expiresAt: When.describe('the absolute expiry (DRILLBOOK_SESSION_MAX after the sign-in)'),
  idleExpiresAt: When.describe('the end of the session unless a request comes first (DRILLBOOK_SESSION_IDLE)'),
};
export const SignInAnswer = z.looseObject({ ok: z.literal(true), ...SignedIn, requestId: z.string() });
export const SessionAnswer = z.union([z.looseObject(SignedIn), z.looseObject({ signedIn: z.literal(false), reason: z.string() })]);
export const SignOutAnswer = z.looseObject({ ok: z.literal(true), signedOut: z.boolean(), requestId: z.string().optional() });

/** The console's runs list (routes/run-views.ts): those waiting for a person first. */
const WaitingSummary = z.looseObject({ stepId: z.string(), kind: z.string(), title: z.string(), role: z.string(), since: When });
export const RunListAnswer = z.looseObject({
  runs: z.array(
    z.looseObject({
      runId: z.string(),
      runbook: z.string(),
      version: z.string(),
      mode: z.string(),
      services: z.array(z.string()),
      initiator: z.string(),
      status: z.string().describe("the trail's status"),
      state: z.string().describe('the live state while Temporal has the run, else the status'),
      ended: z.boolean(),
      needsHuman: z.boolean().describe('paused on a failure or a guard, or a manual step or an approval waiting'),
      waiting: z.array(WaitingSummary),
      startedAt: When,
      endedAt: Nullable(When),
      verdict: Nullable(z.string()),
    }),
  ),
});

/** One run whole, for the console's run page. */
export const RunViewAnswer = z.looseObject({
  runId: z.string(),
  source: z.enum(['temporal', 'audit']),
  runbook: z.string(),
  mode: z.string(),
  initiator: z.string(),
  state: z.string(),
  ended: z.boolean(),
  startedAt: When,
  endedAt: Nullable(When),
  verdict: Nullable(z.string()),
  steps: z.array(z.looseObject({ id: z.string(), title: z.string(), kind: z.string(), needs: z.array(z.string()), state: z.string() })),
  guards: z.array(z.looseObject({ id: z.string(), title: z.string(), state: z.string() })),
  waiting: z.array(z.looseObject({ stepId: z.string(), kind: z.string(), title: z.string(), role: z.string() })),
  awaitingDecision: Nullable(z.looseObject({ stepId: z.string(), error: z.string() })),
  evidence: z.array(z.looseObject({ stepId: Nullable(z.string()), actor: z.string(), at: When })),
  timeline: z.array(z.looseObject({ seq: z.number(), at: When, type: z.string(), actor: z.string() })),
});

/** A runbook checked for the console's start form (routes/runbook-check.ts). */
export const RunbookCheckAnswer = z.looseObject({
  planHash: z.string(),
  runbook: z.string(),
  version: z.string(),
  services: z.array(z.string()),
  registered: z.boolean().describe('this exact version (plan hash) may run for real'),
  modes: z.array(z.looseObject({ mode: z.string(), real: z.boolean(), allowed: z.boolean() })),
  params: z.array(z.looseObject({ name: z.string(), type: z.string(), required: z.boolean(), description: Nullable(z.string()), default: Nullable(z.union([z.string(), z.number(), z.boolean()])) })),
  warnings: z.array(z.string()),
});
