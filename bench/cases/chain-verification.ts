/** `audit verify` (verifyAuditChain) over the seeded trail: events per second; the chain must hold. */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import type { CaseResult } from '../case-result';
import { summarize } from '../stats';

const MIN_EVENTS_PER_SEC = 100_000;

export async function chainVerificationCase(db: Kysely<Database>, reps: number, expectedEvents: number, log: (line: string) => void): Promise<CaseResult> {
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) {
    const began = performance.now();
    const result = await verifyAuditChain(db);
    const seconds = (performance.now() - began) / 1000;
    if (!result.ok) throw new Error(`the seeded chain does not verify: ${JSON.stringify(result.firstBreak)}`);
    if (result.events !== expectedEvents) throw new Error(`verified ${result.events} events, expected ${expectedEvents}`);
    rates.push(result.events / seconds);
    log(`  chain verification rep ${i + 1}/${reps}: ${result.events} events in ${seconds.toFixed(2)} s = ${Math.round(result.events / seconds)} events/s`);
  }
  const stats = summarize(rates);
  return {
    case: 'chain verification',
    ours_ms: Math.round(stats.median),
    baseline_ms: null,
    ratio: null,
    target: `>= ${MIN_EVENTS_PER_SEC} events/s`,
    met: stats.median >= MIN_EVENTS_PER_SEC,
    detail: { unit: 'events/s', ours: stats, notes: { events: expectedEvents } },
  };
}
