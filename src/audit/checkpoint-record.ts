/**
 * A checkpoint taken is itself recorded (`audit.checkpoint_taken` on the `audit-checkpoints` chain),
 * so the integrity attestation can list the checkpoints of a period and their digests.
 */
import { appendAuditEvents } from './append-events';
import type { Checkpoint } from './checkpoint';
import type { Db } from './database';

export const CHECKPOINT_CHAIN = 'audit-checkpoints';

export async function recordCheckpointTaken(db: Db, checkpoint: Checkpoint, actor: string, file: string): Promise<void> {
  await appendAuditEvents(db, [
    {
      key: `checkpoint/${checkpoint.digest}`,
      chainId: CHECKPOINT_CHAIN,
      runId: null,
      type: 'audit.checkpoint_taken',
      actor,
      at: new Date(checkpoint.takenAt),
      data: { digest: checkpoint.digest, chains: checkpoint.chains, events: checkpoint.events, takenAt: checkpoint.takenAt, file, signedBy: checkpoint.signature?.publicKey ?? null },
    },
  ]);
}
