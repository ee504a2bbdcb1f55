/** Integrity attestation for a period: the chain verification result, the runs it covers, and the checkpoints taken. */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { CHECKPOINT_CHAIN } from '../audit/checkpoint-record';
import { verifyAuditChain, type ChainBreak } from '../audit/verify-chain';
import { verifyRunProjections, type RunProjectionMismatch } from '../audit/verify-runs';
import { verifyStepResults, type StepResultMismatch } from '../audit/verify-step-results';
import { parsePeriod } from './period';
import { programmeTimeZone } from './programme';

export interface IntegrityAttestation {
  report: 'integrity';
  period: string;
  generatedAt: string;
  verification: { ok: boolean; chains: number; events: number; firstBreak: ChainBreak | null; seconds: number };
  /** Whether every `runs` row (what the other reports read) agrees with its run's chained events. */
  runsProjection: { ok: boolean; runs: number; mismatches: RunProjectionMismatch[] };
  /** Whether every `step_results` row (the dossier's step timeline and marked times) agrees with its run's chained step events. */
  stepResults: { ok: boolean; rows: number; mismatches: StepResultMismatch[] };
  runsInPeriod: number;
  eventsInPeriod: number;
  checkpoints: { takenAt: string; digest: string; chains: number; events: number; by: string }[];
}

export async function integrityAttestation(db: Kysely<Database>, periodId: string, now = new Date()): Promise<IntegrityAttestation> {
  const period = parsePeriod(periodId, await programmeTimeZone(db));
  const started = Date.now();
  const result = await verifyAuditChain(db);
  const seconds = (Date.now() - started) / 1000;
  const projection = await verifyRunProjections(db);
  const stepResults = await verifyStepResults(db);
  const runs = await db.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('n')).where('started_at', '>=', period.start).where('started_at', '<', period.end).executeTakeFirstOrThrow();
  const events = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).where('at', '>=', period.start).where('at', '<', period.end).executeTakeFirstOrThrow();
  const cps = await db.selectFrom('audit_events').select(['at', 'actor', 'data']).where('chain_id', '=', CHECKPOINT_CHAIN).where('at', '>=', period.start).where('at', '<', period.end).orderBy('seq').execute();
  return {
    report: 'integrity', period: period.id, generatedAt: now.toISOString(),
    verification: { ok: result.ok, chains: result.chains, events: result.events, firstBreak: result.firstBreak ?? null, seconds },
    runsProjection: projection,
    stepResults,
    runsInPeriod: Number(runs.n), eventsInPeriod: Number(events.n),
    checkpoints: cps.map((c) => {
      const d = c.data as { digest: string; chains: number; events: number };
      return { takenAt: c.at.toISOString(), digest: d.digest, chains: d.chains, events: d.events, by: c.actor };
    }),
  };
}
