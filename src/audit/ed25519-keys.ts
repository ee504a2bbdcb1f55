/**
 * Ed25519 keys as operators hand them to drillbook, read with node:crypto:
 * - a private key: PKCS#8 PEM (what `openssl genpkey -algorithm ed25519` writes, and the front door's
 *   DRILLBOOK_SIGNING_KEY), or base64 of the raw 32-byte seed;
 * - public keys: a comma-separated list of `file:/path.pem` (SPKI PEM) or base64 of the raw 32 bytes
 *   (the format of DRILLBOOK_TRUSTED_KEYS).
 * Errors name where a key came from, never a key's content.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

// DER prefixes that wrap a raw Ed25519 key into PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * A private key from its text (PEM or base64 seed).
 * @throws Error naming `source` when the text is neither, or not an Ed25519 key.
 */
export function ed25519PrivateKey(text: string, source: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN')) key = createPrivateKey({ key: trimmed, format: 'pem' });
    else if (BASE64_32.test(trimmed)) key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(trimmed, 'base64')]), format: 'der', type: 'pkcs8' });
    else throw new Error('expected a PKCS#8 PEM or base64 of a 32-byte seed');
  } catch (err) {
    throw new Error(`${source}: not a usable Ed25519 private key (${(err as Error).message.split('\n')[0]})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: the key is ${key.asymmetricKeyType}, not ed25519`);
  return key;
}

/**
 * Public keys from a comma-separated list of `file:/path.pem` (SPKI PEM) and base64 raw keys.
 * @throws Error naming `source` and the entry at fault.
 */
export function ed25519PublicKeys(list: string, source: string): KeyObject[] {
  const entries = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error(`${source}: no key given`);
  return entries.map((entry, i) => {
    const where = `${source} (entry ${i + 1})`;
    let key: KeyObject;
    try {
      if (entry.startsWith('file:')) {
        const path = entry.slice('file:'.length);
        if (!isAbsolute(path)) throw new Error('file: needs an absolute path');
        key = createPublicKey({ key: readFileSync(path, 'utf8'), format: 'pem' });
      } else if (BASE64_32.test(entry)) {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(entry, 'base64')]), format: 'der', type: 'spki' });
      } else {
        throw new Error('expected file:/path.pem or base64 of 32 raw bytes');
      }
    } catch (err) {
      throw new Error(`${where}: not a usable Ed25519 public key (${(err as Error).message.split('\n')[0]})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where}: the key is ${key.asymmetricKeyType}, not ed25519`);
    return key;
  });
}

/** The raw 32 bytes of a public key, base64: how a checkpoint names its signer. */
export function rawPublicKeyBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('base64');
}
