/**
 * The `patched()` ids of the interpreter (the start's signature patch is in ../start-verification).
 * Each keeps runs started before its change replaying as they ran: never rename one, never change
 * where or in which order it is evaluated.
 */

/**
 * Manual and approval steps wait for people (before this patch they failed as unsupported). Patched so
 * that a run started by an older worker, paused on such a failure, replays as it ran. Remove once no
 * run started before 2026-11 is open.
 */
export const HUMAN_STEPS_PATCH = 'human-steps-2026-11';
/**
 * A step with a compensation, cancelled by an abort while its activity ran, is waited for and its
 * recorded result read back, so that a side effect it completed is undone too. Patched so that runs
 * aborted before this replay as they ran.
 */
export const UNDO_CANCELLED_PATCH = 'undo-cancelled-steps-2026-11';
/**
 * Abort unwinds only once the audit queue is written and no batch is in flight. A step's activity
 * cancelled without waiting (TRY_CANCEL) is resolved by the worker itself, not by an event: in the
 * original run the compensations were scheduled while a batch (a local activity) still ran, but on
 * replay its recorded result arrives in the same activation as the cancellation, so the next batch
 * was scheduled first and the activity ids shifted (nondeterminism). After this barrier the order of
 * commands no longer depends on when a local activity completes. Patched: runs started before keep
 * their order (those aborted mid-step that way cannot replay under any code; see the report).
 */
export const ABORT_FLUSH_BARRIER_PATCH = 'abort-flush-barrier-2026-12';
/**
 * A campaign accepts a schedule's grant as its start (`scheduledCampaign`), beside the front door's
 * signature. Only inputs with such a grant reach the check; patched all the same, as every change of
 * what a recorded workflow does.
 */
export const SCHEDULED_CAMPAIGN_PATCH = 'scheduled-campaign-2026-12';
