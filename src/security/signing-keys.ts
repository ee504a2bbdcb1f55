/**
 * The front door's keys, from the configuration:
 *   DRILLBOOK_SIGNING_KEY   a secret reference (`file:/abs/path`, `env:NAME`) to the Ed25519 private key
 *                           (PKCS#8 PEM); read only by what signs (`drillbook serve`, `schedule create`).
 *   DRILLBOOK_TRUSTED_KEYS  the public keys workers accept, comma-separated: `file:/abs/path.pem` (SPKI
 *                           PEM) or base64 of the raw 32 bytes. Several, for rotation.
 * Both unset (a dev machine): they default to one pair under the data folder (`keys/front-door.key`, mode
 * 0600, and `keys/front-door.pub`), created on first use. A bad value is refused naming the variable;
 * messages name references and paths, never a key's content.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSecretRef } from '../config/secret-ref';
import { dataDir as defaultDataDir } from '../config/paths';
import type { TrustedKey } from '../plan/signed-actions';
import { createActionSigner, trustedKeyOf, type ActionSigner } from './action-signer';

export const SIGNING_KEY_VAR = 'DRILLBOOK_SIGNING_KEY';
export const TRUSTED_KEYS_VAR = 'DRILLBOOK_TRUSTED_KEYS';

/** A key configuration that cannot be used; the message names the variable. */
export class KeyConfigError extends Error {}

export interface KeyPairFiles {
  privateKey: string;
  publicKey: string;
}

/** The dev pair's files under a data folder. */
export function devKeyFiles(dataDir = defaultDataDir): KeyPairFiles {
  return { privateKey: path.join(dataDir, 'keys', 'front-door.key'), publicKey: path.join(dataDir, 'keys', 'front-door.pub') };
}

/**
 * Writes a new pair into `dir` (`<name>.key` mode 0600, `<name>.pub`). Never overwrites: an existing
 * file is an error (EEXIST), so a key in use is never lost by a repeated command.
 */
export function writeKeyPair(dir: string, name = 'front-door'): KeyPairFiles & { keyId: string } {
  const files = { privateKey: path.join(dir, `${name}.key`), publicKey: path.join(dir, `${name}.pub`) };
  for (const file of Object.values(files)) if (existsSync(file)) throw Object.assign(new Error(`${file} exists: refusing to overwrite a key`), { code: 'EEXIST' });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeAtomically(files.privateKey, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);
  writeAtomically(files.publicKey, publicKey.export({ format: 'pem', type: 'spki' }) as string, 0o644);
  return { ...files, keyId: trustedKeyOf(publicKey).keyId };
}

/** Writes a file whole or not at all (link of a temporary file: fails with EEXIST if another process won). */
function writeAtomically(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, content, { mode, flag: 'wx' });
  chmodSync(tmp, mode);
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * The dev pair under the data folder, created on first use. Two processes starting at once (the
 * demo's server and worker) end up with the same pair: the first link wins, the other reads it.
 */
export function ensureDevKeyPair(dataDir = defaultDataDir): KeyPairFiles {
  const files = devKeyFiles(dataDir);
  const both = `${SIGNING_KEY_VAR} and ${TRUSTED_KEYS_VAR} are unset, so the dev pair under ${path.dirname(files.privateKey)} is used`;
  try {
    if (!existsSync(files.privateKey)) {
      mkdirSync(path.dirname(files.privateKey), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      try {
        writeAtomically(files.privateKey, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    if (!existsSync(files.publicKey)) {
      const pem = createPublicKey(createPrivateKey(readFileSync(files.privateKey, 'utf8'))).export({ format: 'pem', type: 'spki' }) as string;
      const tmp = `${files.publicKey}.${process.pid}.tmp`;
      writeFileSync(tmp, pem, { mode: 0o644 });
      renameSync(tmp, files.publicKey);
    }
  } catch (err) {
    throw new KeyConfigError(`${both}, but it cannot be created or read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return files;
}

/** The configured value of a variable; empty counts as unset (as in src/config/config.ts). */
function configured(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The text of a key named by a secret reference (`env:NAME` from `env`, or `file:/absolute/path`).
 * Read here, not through the adapters' resolveSecret: a signing key is no runbook secret, and must
 * stay outside whatever scope runbooks' references may reach. @throws KeyConfigError naming `source`.
 */
export function readKeyReference(ref: string, source: string, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = parseSecretRef(ref);
  if (!parsed) throw new KeyConfigError(`${source}: expected a secret reference (env:NAME or file:/absolute/path), got a value of ${ref.length} characters`);
  if (parsed.kind === 'env') {
    const value = env[parsed.name];
    if (!value?.trim()) throw new KeyConfigError(`${source}: secret ${ref}: environment variable ${parsed.name} is not set`);
    return value;
  }
  let text: string;
  try {
    text = readFileSync(parsed.path, 'utf8');
  } catch (err) {
    throw new KeyConfigError(`${source}: secret ${ref}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.trim()) throw new KeyConfigError(`${source}: secret ${ref}: the file is empty`);
  return text;
}

/** The front door's signer: DRILLBOOK_SIGNING_KEY, else the dev pair. @throws KeyConfigError naming the variable. */
// async: a future reference kind (a KMS, a vault) will be read asynchronously.
export async function loadActionSigner(env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir): Promise<ActionSigner> {
  const ref = configured(env, SIGNING_KEY_VAR);
  let pem: string;
  let where: string;
  if (ref === undefined) {
    if (configured(env, TRUSTED_KEYS_VAR)) throw new KeyConfigError(`${SIGNING_KEY_VAR} is unset while ${TRUSTED_KEYS_VAR} is set: set it to the front door's private key (the dev pair is used only when both are unset)`);
    const files = ensureDevKeyPair(dataDir);
    where = `the dev key ${files.privateKey}`;
    pem = readFileSync(files.privateKey, 'utf8');
  } else {
    where = `${SIGNING_KEY_VAR} (${ref})`;
    pem = readKeyReference(ref, SIGNING_KEY_VAR, env);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyConfigError(`${where}: not a private key in PEM (expected PKCS#8 "BEGIN PRIVATE KEY"; see drillbook keys generate)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyConfigError(`${where}: an ${key.asymmetricKeyType} key; the front door signs with Ed25519`);
  return createActionSigner(key);
}

/** The public keys this worker trusts: DRILLBOOK_TRUSTED_KEYS, else the dev pair's. @throws KeyConfigError naming the variable. */
export function loadTrustedKeys(env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir): TrustedKey[] {
  const list = configured(env, TRUSTED_KEYS_VAR);
  if (list === undefined) {
    if (configured(env, SIGNING_KEY_VAR)) throw new KeyConfigError(`${TRUSTED_KEYS_VAR} is unset while ${SIGNING_KEY_VAR} is set: set it to the front door's public key (the dev pair is used only when both are unset)`);
    const files = ensureDevKeyPair(dataDir);
    return [parsePublicKey(readFileSync(files.publicKey, 'utf8'), `the dev key ${files.publicKey}`)];
  }
  const entries = list.split(',').map((e) => e.trim()).filter(Boolean);
  const keys = entries.map((entry, i) => {
    const where = `${TRUSTED_KEYS_VAR}, entry ${i + 1}`;
    if (entry.startsWith('file:')) {
      const file = entry.slice('file:'.length);
      if (!path.isAbsolute(file)) throw new KeyConfigError(`${where}: expected file:/absolute/path.pem`);
      let pem: string;
      try {
        pem = readFileSync(file, 'utf8');
      } catch (err) {
        throw new KeyConfigError(`${where} (${entry}): cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return parsePublicKey(pem, `${where} (${entry})`);
    }
    const raw = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=?$/.test(entry) ? Buffer.from(entry, 'base64') : undefined;
    if (!raw || raw.length !== 32) throw new KeyConfigError(`${where}: expected file:/absolute/path.pem (SPKI PEM) or the base64 of a raw 32-byte Ed25519 public key`);
    return parsePublicKey(raw, where);
  });
  if (!keys.length) {
    throw new KeyConfigError(`${TRUSTED_KEYS_VAR} lists no key: a worker refuses to start without the front door's public key (set ${TRUSTED_KEYS_VAR}, and ${SIGNING_KEY_VAR} for drillbook serve)`);
  }
  return keys;
}

function parsePublicKey(value: string | Buffer, where: string): TrustedKey {
  // node:crypto would derive a public key from a private PEM too: a worker must never be given one.
  if (typeof value === 'string' && !value.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new KeyConfigError(`${where}: not a public key (expected SPKI PEM "BEGIN PUBLIC KEY"; a worker is never given the private key)`);
  }
  let key: KeyObject;
  try {
    key = typeof value === 'string' ? createPublicKey(value) : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: value.toString('base64url') }, format: 'jwk' });
  } catch {
    throw new KeyConfigError(`${where}: not a public key (expected SPKI PEM "BEGIN PUBLIC KEY", or base64 of 32 raw bytes)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyConfigError(`${where}: an ${key.asymmetricKeyType} key; the front door signs with Ed25519`);
  return trustedKeyOf(key);
}
