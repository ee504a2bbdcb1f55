/**
 * The baseline: plain Temporal workflows as its documentation shows them (`proxyActivities` with a
 * `startToCloseTimeout`, nothing else), bundled on their own, run by a plain Worker with the same
 * settings as drillbook's. drillbook's `runDrill` is compared with these.
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

/** `count` no-op activities, one after another. */
export async function sequentialActivities(count: number): Promise<number> {
  for (let i = 0; i < count; i++) await noop();
  return count;
}

/** `count` no-op activities at once. */
export async function parallelActivities(count: number): Promise<number> {
  await Promise.all(Array.from({ length: count }, () => noop()));
  return count;
}
