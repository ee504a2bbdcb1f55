import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILURES } from '../../../src/plan/failures';
import { isSecretRef, redact, resolveSecret } from '../../../activities/secrets';
import { failureOf } from './adapter-context';

describe('resolveSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-secrets-'));

  it('reads env: references from the environment', async () => {
    process.env.DRILLBOOK_TEST_SECRET = 's3cr3t-value';
    await expect(resolveSecret('env:DRILLBOOK_TEST_SECRET')).resolves.toBe('s3cr3t-value');
  });

  it('reads file: references, trimmed', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, '  file-secret\n');
    await expect(resolveSecret(`file:${file}`)).resolves.toBe('file-secret');
  });

  it('refuses an unset variable, non-retryable, naming the reference', async () => {
    delete process.env.DRILLBOOK_TEST_UNSET;
    const failure = await failureOf(resolveSecret('env:DRILLBOOK_TEST_UNSET'));
    expect(failure.type).toBe(FAILURES.SecretUnavailable);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('DRILLBOOK_TEST_UNSET');
  });

  it('refuses a missing or empty file', async () => {
    expect((await failureOf(resolveSecret(`file:${join(dir, 'missing')}`))).message).toContain('ENOENT');
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect((await failureOf(resolveSecret(`file:${empty}`))).message).toContain('empty');
  });

  it('refuses anything that is not a reference, without echoing it', async () => {
    for (const value of ['hunter2-password', 'vault:kv/db', 'file:relative/path', 'env:1BAD', '']) {
      const failure = await failureOf(resolveSecret(value));
      expect(failure.type).toBe(FAILURES.SecretUnavailable);
      if (value) expect(failure.message).not.toContain(value);
      expect(isSecretRef(value)).toBe(false);
    }
  });
});

describe('redact', () => {
  it('replaces every occurrence, longest secret first', () => {
    expect(redact('token=abc123 again abc123 and abc', ['abc', 'abc123', ''])).toBe(
      'token=[REDACTED] again [REDACTED] and [REDACTED]',
    );
  });
});
