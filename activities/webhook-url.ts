/**
 * A webhook is named either by its URL or by a secret reference holding it (`env:NAME`,
 * `file:/path`): a Slack or Teams webhook's path IS its credential, so a bank keeps it out of the
 * inventory in git, the audit tables and Temporal's histories. The worker reads the reference here,
 * when it posts; what it records is only the URL's origin (src/notifications/targets.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { isSecretRef } from '../src/config/secret-ref';
import { FAILURES } from '../src/plan/failures';
import { resolveSecret } from './secrets';

/** The URL to post to. A reference's value must itself be an http(s) URL; the error names the reference, never the value. */
export async function resolveWebhookUrl(target: string, resolve: (ref: string) => Promise<string> = resolveSecret): Promise<string> {
  if (!isSecretRef(target)) return target;
  const value = await resolve(target);
  if (!isHttpUrl(value)) {
    throw ApplicationFailure.create({
      type: FAILURES.SecretUnavailable,
      message: `secret ${target} does not hold an http:// or https:// URL`,
      nonRetryable: true,
    });
  }
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
