/**
 * What a run asks its worker about signed actions: the public keys the worker was configured to
 * trust (a local activity at the run's start: the answer is kept in history, so replays verify with
 * the same keys), and the record of a start that was refused because its signature did not verify.
 */
import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../src/audit/append-events';
import type { Database } from '../src/audit/database';
import type { Json } from '../src/plan/types';
import type { TrustedKey } from '../src/plan/signed-actions';

/** Refused starts go to a chain of their own: a forged start never writes into a run's chain. */
export const SECURITY_CHAIN = 'security';

export interface RefusedStartInput {
  /** The workflow id and Temporal run id of the refused start. */
  runId: string;
  temporalRunId: string;
  refusal: string;
  /** What the start claimed, cut short: who, which plan, which mode, which key. */
  claimed: { initiator: string; planHash: string; mode: string; runbook: string; keyId: string | null };
}

export function createSigningActivities(deps: { db: Kysely<Database>; trustedKeys: readonly TrustedKey[] }) {
  return {
    /** The keys this worker trusts (from its own configuration, never from a run's input). */
    async trustedSigningKeys(): Promise<TrustedKey[]> {
      return deps.trustedKeys.map((k) => ({ ...k }));
    },

    /** One `run.start_refused` event on the `security` chain per refused execution (keyed by its Temporal run id). */
    async recordRefusedStart(input: RefusedStartInput): Promise<void> {
      const cut = (v: unknown) => String(v ?? '').slice(0, 200);
      await appendAuditEvents(deps.db, [
        {
          key: `${SECURITY_CHAIN}/start-refused/${input.temporalRunId}`,
          chainId: SECURITY_CHAIN,
          runId: null,
          type: 'run.start_refused',
          actor: 'drillbook',
          data: {
            workflowId: cut(input.runId),
            temporalRunId: cut(input.temporalRunId),
            refusal: cut(input.refusal),
            claimed: {
              initiator: cut(input.claimed.initiator),
              planHash: cut(input.claimed.planHash),
              mode: cut(input.claimed.mode),
              runbook: cut(input.claimed.runbook),
              keyId: input.claimed.keyId === null ? null : cut(input.claimed.keyId),
            },
          } satisfies Json,
        },
      ]);
    },
  };
}

export type SigningActivities = ReturnType<typeof createSigningActivities>;
