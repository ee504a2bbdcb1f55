/**
 * Keeps the head and the tail of a process's output stream: the first lines say what it started doing,
 * the last ones why it failed, and the middle of a long log is not worth a workflow history entry.
 */
export class OutputCapture {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** Total bytes seen. */
  totalBytes = 0;

  /** Keeps at most `headLimit` first bytes and `tailLimit` last bytes. */
  constructor(
    private readonly headLimit: number,
    private readonly tailLimit: number,
  ) {}

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const toHead = Math.min(chunk.length, this.headLimit - this.headBytes);
    if (toHead > 0) {
      this.head.push(chunk.subarray(0, toHead));
      this.headBytes += toHead;
    }
    const rest = chunk.subarray(toHead);
    if (rest.length === 0) return;
    const joined = Buffer.concat([this.tail, rest]);
    this.tail = joined.subarray(Math.max(0, joined.length - this.tailLimit));
  }

  get truncated(): boolean {
    return this.totalBytes > this.headBytes + this.tail.length;
  }

  /** The kept text, with a marker where bytes were left out. */
  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    if (!this.truncated) return head + this.tail.toString('utf8');
    const omitted = this.totalBytes - this.headBytes - this.tail.length;
    return `${head}\n[… ${omitted} bytes omitted …]\n${this.tail.toString('utf8')}`;
  }
}
