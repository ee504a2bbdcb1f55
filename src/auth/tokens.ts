/** API tokens: random, shown once, stored as their sha256. */
import { createHash, randomBytes } from 'node:crypto';

/** The visible start of every token, so a leaked one is easy to grep for in logs and repositories. */
export const TOKEN_PREFIX = 'drb_';

/** 32 random bytes: guessing one is out of reach, so a fast hash (sha256) is enough to store it. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What may be shown of a token: its prefix and a few characters. */
export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
