/**
 * The front door's keys from the configuration: the dev pair (created once, private 0600), explicit
 * references and lists, rotation (several trusted keys), and every bad value refused naming its
 * variable, never quoting a key. Signing and verifying agree (node:crypto signs, @noble/curves
 * verifies, as in the workflow).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyAction } from '../../../src/plan/signed-actions';
import { ensureDevKeyPair, loadActionSigner, loadTrustedKeys, writeKeyPair } from '../../../src/security/signing-keys';
import { runCli } from '../../support/cli';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('unset: serve and workers share one dev pair under the data folder, created once, private key 0600', async () => {
  const signer = await loadActionSigner({}, dir);
  const files = ensureDevKeyPair(dir);
  expect(statSync(files.privateKey).mode & 0o777).toBe(0o600);
  expect(readFileSync(files.publicKey, 'utf8')).toContain('BEGIN PUBLIC KEY');
  expect(loadTrustedKeys({}, dir)).toEqual([signer.trustedKey]);
  // A second start reuses the pair.
  expect((await loadActionSigner({}, dir)).trustedKey).toEqual(signer.trustedKey);
  const input = { stepId: 'go', actor: 'bob', roles: ['approver'] };
  const auth = signer.signAction('approve', 'run-1', input);
  expect(verifyAction(loadTrustedKeys({}, dir), 'approve', 'run-1', { ...input, auth }, Date.now())).toBeUndefined();
  expect(verifyAction(loadTrustedKeys({}, dir), 'approve', 'run-2', { ...input, auth }, Date.now())).toMatch(/does not match/);
});

test('explicit keys: a file reference or an env reference for the private key; file: and raw base64 entries for rotation', async () => {
  const oldPair = writeKeyPair(dir, 'old');
  const newPair = writeKeyPair(dir, 'new');
  const rawNew = Buffer.from((generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url').toString('base64');
  const env = {
    DRILLBOOK_SIGNING_KEY: `file:${newPair.privateKey}`,
    DRILLBOOK_TRUSTED_KEYS: `file:${oldPair.publicKey}, file:${newPair.publicKey},${rawNew}`,
  };
  const signer = await loadActionSigner(env, dir);
  expect(signer.trustedKey.keyId).toBe(newPair.keyId);
  const trusted = loadTrustedKeys(env, dir);
  expect(trusted.map((k) => k.keyId)).toEqual([oldPair.keyId, newPair.keyId, expect.any(String)]);
  const viaEnv = await loadActionSigner({ DRILLBOOK_SIGNING_KEY: 'env:FRONT_DOOR_KEY', FRONT_DOOR_KEY: readFileSync(oldPair.privateKey, 'utf8'), DRILLBOOK_TRUSTED_KEYS: `file:${oldPair.publicKey}` }, dir);
  expect(viaEnv.trustedKey.keyId).toBe(oldPair.keyId);
});

test('bad values are refused naming the variable, never quoting a key', async () => {
  const pair = writeKeyPair(dir);
  const pub = `file:${pair.publicKey}`;
  writeFileSync(path.join(dir, 'rsa.key'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const secretText = readFileSync(pair.privateKey, 'utf8');
  const refusals: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ DRILLBOOK_SIGNING_KEY: secretText, DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY: expected a secret reference/],
    [{ DRILLBOOK_SIGNING_KEY: 'file:/nonexistent/key', DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY: .*cannot read the file \(ENOENT\)/],
    [{ DRILLBOOK_SIGNING_KEY: 'env:NOT_SET_ANYWHERE', DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY: .*NOT_SET_ANYWHERE is not set/],
    [{ DRILLBOOK_SIGNING_KEY: pub, DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY \(file:.*\): not a private key/],
    [{ DRILLBOOK_SIGNING_KEY: `file:${path.join(dir, 'rsa.key')}`, DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY .*an rsa key/],
    [{ DRILLBOOK_TRUSTED_KEYS: pub }, /^DRILLBOOK_SIGNING_KEY is unset while DRILLBOOK_TRUSTED_KEYS is set/],
  ];
  for (const [env, expected] of refusals) {
    const err = await loadActionSigner(env, dir).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(expected);
    expect(err?.message).not.toContain('-----');
  }
  const trustRefusals: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ DRILLBOOK_TRUSTED_KEYS: ' , ' }, /^DRILLBOOK_TRUSTED_KEYS lists no key: a worker refuses to start/],
    [{ DRILLBOOK_TRUSTED_KEYS: 'file:relative.pem' }, /^DRILLBOOK_TRUSTED_KEYS, entry 1: expected file:\/absolute/],
    [{ DRILLBOOK_TRUSTED_KEYS: `${pub},not-a-key` }, /^DRILLBOOK_TRUSTED_KEYS, entry 2: expected file:\/absolute\/path.pem \(SPKI PEM\) or the base64/],
    [{ DRILLBOOK_TRUSTED_KEYS: `file:${pair.privateKey}` }, /^DRILLBOOK_TRUSTED_KEYS, entry 1 .*not a public key/],
    [{ DRILLBOOK_SIGNING_KEY: `file:${pair.privateKey}` }, /^DRILLBOOK_TRUSTED_KEYS is unset while DRILLBOOK_SIGNING_KEY is set/],
  ];
  for (const [env, expected] of trustRefusals) expect(() => loadTrustedKeys(env, dir)).toThrow(expected);
});

test('drillbook keys generate writes a pair (private 0600) and never overwrites it; a worker without a trusted key refuses to start', async () => {
  const out = path.join(dir, 'keys');
  const made = await runCli(['keys', 'generate', '--out', out, '--json']);
  expect(made.code).toBe(0);
  const pair = JSON.parse(made.stdout) as { privateKey: string; publicKey: string; keyId: string };
  expect(statSync(pair.privateKey).mode & 0o777).toBe(0o600);
  expect(loadTrustedKeys({ DRILLBOOK_TRUSTED_KEYS: `file:${pair.publicKey}` }, dir)[0].keyId).toBe(pair.keyId);
  const again = await runCli(['keys', 'generate', '--out', out]);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/exists: refusing to overwrite a key/);

  const worker = await runCli(['worker'], { env: { DRILLBOOK_TRUSTED_KEYS: ',', DRILLBOOK_SIGNING_KEY: '' } });
  expect(worker.code).toBe(5);
  expect(worker.stderr).toMatch(/DRILLBOOK_TRUSTED_KEYS lists no key/);
  const serve = await runCli(['serve', '--port', '65001'], { env: { DRILLBOOK_SIGNING_KEY: 'file:/nonexistent/front-door.key' } });
  expect(serve.code).toBe(5);
  expect(serve.stderr).toMatch(/DRILLBOOK_SIGNING_KEY: secret file:\/nonexistent\/front-door.key: cannot read the file \(ENOENT\)/);
});
