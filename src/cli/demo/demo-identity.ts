/**
 * The demo's own identity: an operator `demo`, made (or found) straight in the audit database — the
 * demo runs on the server's host, like the bootstrap of the first admin — with a short-lived token,
 * so its runs start through the API like anyone's and the trail names `demo` as their initiator.
 * Each change is audited on the `users` chain.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../audit/database';
import { addUserAudited, issueTokenAudited, revokeTokensAudited } from '../../auth/user-admin';

export const DEMO_USER = 'demo';
/** The token lives a day at most: long enough for a demo, gone soon after a crash. */
const TOKEN_LIFETIME_MS = 86_400_000;

export interface DemoIdentity {
  name: string;
  token: string;
  /** Revokes the token (at the end of the demo). */
  revoke(): Promise<void>;
}

/** Who `demo --keep` signs the console in as: the runs' reader and an operator, never their initiator. */
export const CONSOLE_USER = { name: 'demo-console', roles: ['operator', 'auditor'], displayName: 'drillbook demo console' };

export async function demoIdentity(
  db: Kysely<Database>,
  actor = 'drillbook-demo',
  user: { name: string; roles: string[]; displayName: string } = { name: DEMO_USER, roles: ['operator'], displayName: 'drillbook demo' },
): Promise<DemoIdentity> {
  await addUserAudited(db, { actor, requestId: randomUUID() }, user);
  const issued = await issueTokenAudited(db, { actor, requestId: randomUUID() }, { name: user.name, label: 'demo', expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS) });
  return {
    name: user.name,
    token: issued.token,
    revoke: async () => {
      await revokeTokensAudited(db, { actor, requestId: randomUUID() }, { name: user.name, prefix: issued.prefix });
    },
  };
}
