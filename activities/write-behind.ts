/**
 * Audit writes issued behind the work they record: each starts once the one before it has ended, so
 * they land in the order they were issued, while the caller goes on. A sequence's members use it so
 * that no audit round trip sits between two members of a failover's critical section; `drain` is
 * awaited before the activity reports anything, so what it reports is in the trail.
 */
export class WriteBehind {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;

  /** After a failed write the rest are not issued: the activity's retry writes them all, in order. */
  push(write: () => Promise<unknown>): void {
    this.tail = this.tail
      .then(() => (this.failure === undefined ? write() : undefined))
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }

  /** Waits for every write issued; rethrows the first that failed (the activity then fails, and its retry rewrites the same keys). */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure !== undefined) throw this.failure;
  }
}
