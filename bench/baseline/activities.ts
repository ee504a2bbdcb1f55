/** The baseline's activity: a plain no-op, as Temporal's documentation writes one. */
export async function noop(): Promise<void> {
  // nothing: the benchmark measures orchestration, not work
}
