import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILURES } from '../../../src/plan/failures';
import { resolveSecret } from '../../../activities/secrets';
import { isSecretRef } from '../../../src/config/secret-ref';
import { failureOf } from './adapter-context';

describe('resolveSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-secrets-'));
  beforeAll(() => {
    process.env.DRILLBOOK_SECRETS_DIRS = dir;
  });
  afterAll(() => {
    delete process.env.DRILLBOOK_SECRETS_DIRS;
  });

  it('reads env: references from the environment', async () => {
    process.env.DRILLBOOK_SECRET_TEST_SECRET = 's3cr3t-value';
    await expect(resolveSecret('env:DRILLBOOK_SECRET_TEST_SECRET')).resolves.toBe('s3cr3t-value');
  });

  it('reads file: references, trimmed', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, '  file-secret\n');
    await expect(resolveSecret(`file:${file}`)).resolves.toBe('file-secret');
  });

  it('refuses an unset variable, non-retryable, naming the reference', async () => {
    delete process.env.DRILLBOOK_SECRET_TEST_UNSET;
    const failure = await failureOf(resolveSecret('env:DRILLBOOK_SECRET_TEST_UNSET'));
    expect(failure.type).toBe(FAILURES.SecretUnavailable);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('DRILLBOOK_SECRET_TEST_UNSET');
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


describe('the secret scope, always checked at run time', () => {
  const root = mkdtempSync(join(tmpdir(), 'drillbook-scope-'));
  const dir = join(root, 'secrets');
  beforeAll(() => {
    mkdirSync(dir);
    writeFileSync(join(root, 'outside'), 'outside-value');
    writeFileSync(join(dir, 'inside'), 'inside-value');
    symlinkSync(join(root, 'outside'), join(dir, 'link-out'));
    symlinkSync('/etc', join(dir, 'etc'));
    process.env.DRILLBOOK_SECRETS_DIRS = dir;
  });
  afterAll(() => {
    delete process.env.DRILLBOOK_SECRETS_DIRS;
    delete process.env.DRILLBOOK_SECRETS_ENV_ALLOW;
  });

  it('refuses env: names outside DRILLBOOK_SECRET_* (or the configured list), naming the reference', async () => {
    for (const ref of ['env:HOME', 'env:DATABASE_URL', 'env:PATH']) {
      const failure = await failureOf(resolveSecret(ref));
      expect(failure.type).toBe(FAILURES.SecretUnavailable);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(`secret ${ref} is outside this worker's scope`);
      expect(failure.message).not.toContain(process.env.HOME!);
    }
    process.env.DRILLBOOK_SECRETS_ENV_ALLOW = 'HOME';
    await expect(resolveSecret('env:HOME')).resolves.toBe(process.env.HOME);
    delete process.env.DRILLBOOK_SECRETS_ENV_ALLOW;
  });

  it('refuses files outside the folders: absolute, `..`, and symlinks leading out', async () => {
    await expect(resolveSecret(`file:${join(dir, 'inside')}`)).resolves.toBe('inside-value');
    for (const path of ['/etc/shadow', join(dir, '..', 'outside'), join(dir, 'link-out'), join(dir, 'etc', 'shadow'), dir]) {
      const failure = await failureOf(resolveSecret(`file:${path}`));
      expect(failure.type).toBe(FAILURES.SecretUnavailable);
      expect(failure.message).toContain("outside this worker's scope");
      expect(failure.message).not.toContain('outside-value');
    }
  });
});
