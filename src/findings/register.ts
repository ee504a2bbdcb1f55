/**
 * The remediation register: findings (raised during or after a run, linked to its run and step),
 * their actions (owner, due date, status, closing evidence, the retest run that proved the fix) and
 * risk acceptances (approver, rationale, expiry).
 *
 * Every change is a new row (a revision that supersedes the last) plus an audit event on the
 * `findings` chain, in one transaction: the register is append-only in the database and hash-chained.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import type { Json, Plan } from '../plan/types';
import { FindingInputError } from './errors';
import { ACTION_STATUSES, FINDING_STATUSES, SEVERITIES, findingsDb, type FindingsDatabase, type FindingsTable } from './tables';

/** The chain every register change is appended to. */
export const FINDINGS_CHAIN = 'findings';

const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a real date');

export const RaiseFindingInput = z.strictObject({
  runId: Text(200).optional(),
  stepId: Text(200).optional(),
  severity: z.enum(SEVERITIES),
  category: Text(100),
  title: Text(300),
  description: Text(10_000),
  actor: Text(200),
  at: z.date().optional(),
});
export const ReviseFindingInput = z.strictObject({
  findingId: Text(50),
  status: z.enum(FINDING_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  description: Text(10_000).optional(),
  note: Text(4000),
  actor: Text(200),
  at: z.date().optional(),
});
export const AddActionInput = z.strictObject({
  findingId: Text(50),
  description: Text(4000),
  owner: Text(200),
  dueDate: IsoDate,
  actor: Text(200),
  at: z.date().optional(),
});
export const UpdateActionInput = z
  .strictObject({
    actionId: Text(50),
    status: z.enum(ACTION_STATUSES).optional(),
    owner: Text(200).optional(),
    dueDate: IsoDate.optional(),
    closingEvidence: Text(4000).optional(),
    retestRunId: Text(200).optional(),
    actor: Text(200),
    at: z.date().optional(),
  });
export const AcceptRiskInput = z.strictObject({
  findingId: Text(50),
  approver: Text(200),
  rationale: Text(4000),
  expiresAt: z.date(),
  actor: Text(200),
  at: z.date().optional(),
});

export interface FindingRecord {
  findingId: string;
  revision: number;
  runId: string | null;
  stepId: string | null;
  severity: string;
  category: string;
  title: string;
  description: string;
  status: string;
  raisedAt: Date;
  recordedBy: string;
  recordedAt: Date;
  note: string | null;
}

export interface ActionRecord {
  actionId: string;
  revision: number;
  findingId: string;
  description: string;
  owner: string;
  dueDate: string;
  status: string;
  closingEvidence: string | null;
  retestRunId: string | null;
  createdAt: Date;
  recordedBy: string;
  recordedAt: Date;
}

export interface RiskAcceptanceRecord {
  findingId: string;
  approver: string;
  rationale: string;
  expiresAt: Date;
  recordedBy: string;
  recordedAt: Date;
}

/** Parses `input` with `schema`. @throws FindingInputError naming the first field at fault. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  throw new FindingInputError([...issue.path, ...keys].map(String).join('.') || '(input)', issue.message);
}

type Trx = Transaction<FindingsDatabase>;

/** One register change: a lock on the register (ids are numbered in order), the rows, the event. */
async function change<T>(db: Kysely<Database>, fn: (trx: Trx) => Promise<{ result: T; event: { key: string; type: string; actor: string; at: Date; data: Json } }>): Promise<T> {
  return findingsDb(db)
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('drillbook.findings'))`.execute(trx);
      const { result, event } = await fn(trx as Trx);
      await appendAuditEvents(trx as unknown as Transaction<Database>, [{ ...event, chainId: FINDINGS_CHAIN, runId: null }]);
      return result;
    });
}

async function nextId(trx: Trx, table: 'findings' | 'finding_actions', prefix: string): Promise<string> {
  const column = table === 'findings' ? 'finding_id' : 'action_id';
  const { rows } = await sql<{ n: number }>`SELECT count(DISTINCT ${sql.ref(column)})::int AS n FROM ${sql.table(table)}`.execute(trx);
  return `${prefix}-${String(rows[0].n + 1).padStart(4, '0')}`;
}

async function currentFindingRow(trx: Trx, findingId: string) {
  const row = await trx.selectFrom('findings').selectAll().where('finding_id', '=', findingId).orderBy('revision', 'desc').limit(1).executeTakeFirst();
  if (!row) throw new FindingInputError('findingId', `no finding ${findingId}`, 'not-found');
  return row;
}

/** Raises a finding. @throws FindingInputError (bad field, unknown run, step not in the run's plan). */
export async function raiseFinding(db: Kysely<Database>, input: z.input<typeof RaiseFindingInput>): Promise<FindingRecord> {
  const f = parse(RaiseFindingInput, input);
  if (f.stepId && !f.runId) throw new FindingInputError('stepId', 'a step needs its run (runId)');
  return change(db, async (trx) => {
    if (f.runId) {
      const run = await trx.selectFrom('runs').select(['plan']).where('run_id', '=', f.runId).executeTakeFirst();
      if (!run) throw new FindingInputError('runId', `no run ${f.runId}`, 'not-found');
      const plan = run.plan as unknown as Plan;
      if (f.stepId && !plan.steps.some((s) => s.id === f.stepId)) {
        throw new FindingInputError('stepId', `run ${f.runId} has no step "${f.stepId}"`, 'not-found');
      }
    }
    const at = f.at ?? new Date();
    const findingId = await nextId(trx, 'findings', 'F');
    const row = await trx
      .insertInto('findings')
      .values({
        finding_id: findingId, revision: 1, supersedes: null, run_id: f.runId ?? null, step_id: f.stepId ?? null, severity: f.severity,
        category: f.category, title: f.title, description: f.description, status: 'open', raised_at: at, recorded_by: f.actor, recorded_at: at, note: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const result = toFinding(row);
    return { result, event: { key: `finding/${findingId}/1`, type: 'finding.raised', actor: f.actor, at, data: findingData(result) } };
  });
}

/** A new revision of a finding (status, severity, description), with a note saying why. */
export async function reviseFinding(db: Kysely<Database>, input: z.input<typeof ReviseFindingInput>): Promise<FindingRecord> {
  const r = parse(ReviseFindingInput, input);
  if (!r.status && !r.severity && !r.description) throw new FindingInputError('status', 'nothing to change: give status, severity or description');
  return change(db, async (trx) => {
    const prev = await currentFindingRow(trx, r.findingId);
    if (r.status === 'closed') {
      const open = await currentActions(trx, r.findingId);
      const pending = open.filter((a) => a.status === 'open' || a.status === 'in-progress');
      if (pending.length) throw new FindingInputError('status', `finding ${r.findingId} has open actions (${pending.map((a) => a.action_id).join(', ')}): close them first`, 'conflict');
    }
    const at = r.at ?? new Date();
    const { id: _id, ...rest } = prev;
    const row = await trx
      .insertInto('findings')
      .values({
        ...rest, revision: prev.revision + 1, supersedes: prev.id, status: r.status ?? prev.status, severity: r.severity ?? prev.severity,
        description: r.description ?? prev.description, recorded_by: r.actor, recorded_at: at, note: r.note,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const result = toFinding(row);
    return { result, event: { key: `finding/${r.findingId}/${row.revision}`, type: 'finding.revised', actor: r.actor, at, data: { ...findingData(result), supersedes: Number(prev.id) } } };
  });
}

async function currentActions(trx: Trx, findingId?: string) {
  let q = trx
    .selectFrom('finding_actions')
    .selectAll()
    .select(sql<string>`to_char(due_date, 'YYYY-MM-DD')`.as('due'))
    .distinctOn('action_id')
    .orderBy('action_id')
    .orderBy('revision', 'desc');
  if (findingId) q = q.where('finding_id', '=', findingId);
  return q.execute();
}

/** Adds an action to a finding. */
export async function addAction(db: Kysely<Database>, input: z.input<typeof AddActionInput>): Promise<ActionRecord> {
  const a = parse(AddActionInput, input);
  return change(db, async (trx) => {
    await currentFindingRow(trx, a.findingId);
    const at = a.at ?? new Date();
    const actionId = await nextId(trx, 'finding_actions', 'A');
    const row = await trx
      .insertInto('finding_actions')
      .values({
        action_id: actionId, revision: 1, supersedes: null, finding_id: a.findingId, description: a.description, owner: a.owner, due_date: a.dueDate,
        status: 'open', closing_evidence: null, retest_run_id: null, created_at: at, recorded_by: a.actor, recorded_at: at,
      })
      .returningAll()
      .returning(sql<string>`to_char(due_date, 'YYYY-MM-DD')`.as('due'))
      .executeTakeFirstOrThrow();
    const result = toAction(row);
    return { result, event: { key: `action/${actionId}/1`, type: 'finding.action_added', actor: a.actor, at, data: actionData(result) } };
  });
}

/** A new revision of an action. Done needs closing evidence; a retest run must exist and have passed. */
export async function updateAction(db: Kysely<Database>, input: z.input<typeof UpdateActionInput>): Promise<ActionRecord> {
  const u = parse(UpdateActionInput, input);
  return change(db, async (trx) => {
    const [prev] = await trx
      .selectFrom('finding_actions')
      .selectAll()
      .select(sql<string>`to_char(due_date, 'YYYY-MM-DD')`.as('due'))
      .where('action_id', '=', u.actionId)
      .orderBy('revision', 'desc')
      .limit(1)
      .execute();
    if (!prev) throw new FindingInputError('actionId', `no action ${u.actionId}`, 'not-found');
    const closingEvidence = u.closingEvidence ?? prev.closing_evidence;
    const status = u.status ?? prev.status;
    if (status === 'done' && !closingEvidence) throw new FindingInputError('closingEvidence', `action ${u.actionId} cannot be done without closing evidence`);
    if (u.retestRunId) {
      const run = await trx.selectFrom('runs').select(['status', 'verdict']).where('run_id', '=', u.retestRunId).executeTakeFirst();
      if (!run) throw new FindingInputError('retestRunId', `no run ${u.retestRunId}`, 'not-found');
      if (run.status !== 'completed' || run.verdict !== 'pass') {
        throw new FindingInputError('retestRunId', `run ${u.retestRunId} did not pass (${run.status}, verdict ${run.verdict ?? 'none'}): it proves no fix`);
      }
    }
    const at = u.at ?? new Date();
    const row = await trx
      .insertInto('finding_actions')
      .values({
        action_id: prev.action_id, revision: prev.revision + 1, supersedes: prev.id, finding_id: prev.finding_id, description: prev.description,
        owner: u.owner ?? prev.owner, due_date: u.dueDate ?? prev.due, status, closing_evidence: closingEvidence,
        retest_run_id: u.retestRunId ?? prev.retest_run_id, created_at: prev.created_at, recorded_by: u.actor, recorded_at: at,
      })
      .returningAll()
      .returning(sql<string>`to_char(due_date, 'YYYY-MM-DD')`.as('due'))
      .executeTakeFirstOrThrow();
    const result = toAction(row);
    return { result, event: { key: `action/${prev.action_id}/${row.revision}`, type: 'finding.action_updated', actor: u.actor, at, data: { ...actionData(result), supersedes: Number(prev.id) } } };
  });
}

/** Accepts a finding's risk until `expiresAt`, and moves the finding to `risk-accepted`. */
export async function acceptRisk(db: Kysely<Database>, input: z.input<typeof AcceptRiskInput>): Promise<RiskAcceptanceRecord> {
  const r = parse(AcceptRiskInput, input);
  const at = r.at ?? new Date();
  if (r.expiresAt.getTime() <= at.getTime()) throw new FindingInputError('expiresAt', 'must be in the future');
  return change(db, async (trx) => {
    const finding = await currentFindingRow(trx, r.findingId);
    const prev = await trx.selectFrom('risk_acceptances').select('id').where('finding_id', '=', r.findingId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const row = await trx
      .insertInto('risk_acceptances')
      .values({ finding_id: r.findingId, supersedes: prev?.id ?? null, approver: r.approver, rationale: r.rationale, expires_at: r.expiresAt, recorded_by: r.actor, recorded_at: at })
      .returningAll()
      .executeTakeFirstOrThrow();
    const { id: _id, ...rest } = finding;
    await trx
      .insertInto('findings')
      .values({ ...rest, revision: finding.revision + 1, supersedes: finding.id, status: 'risk-accepted', recorded_by: r.actor, recorded_at: at, note: `risk accepted by ${r.approver} until ${r.expiresAt.toISOString()}` })
      .execute();
    const result: RiskAcceptanceRecord = { findingId: r.findingId, approver: row.approver, rationale: row.rationale, expiresAt: row.expires_at, recordedBy: row.recorded_by, recordedAt: row.recorded_at };
    return {
      result,
      event: {
        key: `risk/${r.findingId}/${row.id}`, type: 'finding.risk_accepted', actor: r.actor, at,
        data: { findingId: r.findingId, approver: r.approver, rationale: r.rationale, expiresAt: r.expiresAt.toISOString(), findingRevision: finding.revision + 1 },
      },
    };
  });
}

export interface RegisterSnapshot {
  findings: FindingRecord[];
  actions: ActionRecord[];
  acceptances: RiskAcceptanceRecord[];
}

/** The current revision of every finding and action, and every risk acceptance (latest per finding). */
export async function readRegister(db: Kysely<Database>, filter: { runId?: string } = {}): Promise<RegisterSnapshot> {
  const fdb = findingsDb(db);
  let fq = fdb.selectFrom('findings').selectAll().distinctOn('finding_id').orderBy('finding_id').orderBy('revision', 'desc');
  if (filter.runId) fq = fq.where('run_id', '=', filter.runId);
  const findings = (await fq.execute()).map(toFinding);
  const ids = findings.map((f) => f.findingId);
  const actions = ids.length
    ? (await (fdb as Kysely<FindingsDatabase>).transaction().execute((trx) => currentActions(trx))).filter((a) => ids.includes(a.finding_id)).map(toAction)
    : [];
  const acceptances = ids.length
    ? (await fdb.selectFrom('risk_acceptances').selectAll().distinctOn('finding_id').orderBy('finding_id').orderBy('id', 'desc').execute())
        .filter((a) => ids.includes(a.finding_id))
        .map((a) => ({ findingId: a.finding_id, approver: a.approver, rationale: a.rationale, expiresAt: a.expires_at, recordedBy: a.recorded_by, recordedAt: a.recorded_at }))
    : [];
  return { findings, actions, acceptances };
}

function toFinding(r: Selectable<FindingsTable>): FindingRecord {
  return {
    findingId: r.finding_id, revision: r.revision, runId: r.run_id, stepId: r.step_id, severity: r.severity, category: r.category, title: r.title,
    description: r.description, status: r.status, raisedAt: r.raised_at, recordedBy: r.recorded_by, recordedAt: r.recorded_at, note: r.note,
  };
}

function toAction(r: { action_id: string; revision: number; finding_id: string; description: string; owner: string; due: string; status: string; closing_evidence: string | null; retest_run_id: string | null; created_at: Date; recorded_by: string; recorded_at: Date }): ActionRecord {
  return {
    actionId: r.action_id, revision: r.revision, findingId: r.finding_id, description: r.description, owner: r.owner, dueDate: r.due, status: r.status,
    closingEvidence: r.closing_evidence, retestRunId: r.retest_run_id, createdAt: r.created_at, recordedBy: r.recorded_by, recordedAt: r.recorded_at,
  };
}

function findingData(f: FindingRecord): { [key: string]: Json } {
  return { findingId: f.findingId, revision: f.revision, runId: f.runId, stepId: f.stepId, severity: f.severity, category: f.category, title: f.title, description: f.description, status: f.status, note: f.note };
}

function actionData(a: ActionRecord): { [key: string]: Json } {
  return { actionId: a.actionId, revision: a.revision, findingId: a.findingId, description: a.description, owner: a.owner, dueDate: a.dueDate, status: a.status, closingEvidence: a.closingEvidence, retestRunId: a.retestRunId };
}
