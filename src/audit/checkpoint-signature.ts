/**
 * Signed checkpoints: `audit checkpoint --signing-key REF` signs the checkpoint's digest with an
 * Ed25519 key (the front door's or one of its own), and `audit verify --checkpoint FILE --public-key …`
 * refuses a file whose signature no trusted key made. The digest alone shows an accidental change of
 * the file; only the signature shows that someone who recomputed the digest after editing the heads
 * did not hold the key.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import type { Checkpoint } from './checkpoint';
import { rawPublicKeyBase64 } from './ed25519-keys';

/** What is signed: the format and the digest (which covers every other field but the signature). */
export function checkpointSignedText(digest: string): Buffer {
  return Buffer.from(`drillbook-audit-checkpoint/1\n${digest}`, 'utf8');
}

export function signCheckpoint(checkpoint: Checkpoint, privateKey: KeyObject): Checkpoint {
  const value = sign(null, checkpointSignedText(checkpoint.digest), privateKey).toString('base64');
  return { ...checkpoint, signature: { algorithm: 'ed25519', publicKey: rawPublicKeyBase64(privateKey), value } };
}

export type SignatureCheck = { ok: true; publicKey: string } | { ok: false; reason: string };

/** Whether one of `trusted` signed this checkpoint. */
export function checkCheckpointSignature(checkpoint: Checkpoint, trusted: KeyObject[]): SignatureCheck {
  const s = checkpoint.signature;
  if (!s) return { ok: false, reason: 'the checkpoint is not signed, but a public key was given to check it' };
  if (s.algorithm !== 'ed25519' || typeof s.value !== 'string') return { ok: false, reason: 'signature: not an ed25519 signature' };
  const value = Buffer.from(s.value, 'base64');
  for (const key of trusted) {
    if (verify(null, checkpointSignedText(checkpoint.digest), key, value)) return { ok: true, publicKey: rawPublicKeyBase64(key) };
  }
  return { ok: false, reason: 'signature: not made by any trusted key for this content (the file was altered, or signed by another key)' };
}
