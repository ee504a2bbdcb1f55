/** Who is signed in: GET /api/session at start, POST /api/session to sign in, DELETE to sign out. */
import { useEffect, useState } from 'preact/hooks';
import { api, get, onUnauthenticated, setCsrfToken } from './api.js';

export interface Session {
  name: string;
  roles: string[];
  csrfToken: string;
  expiresAt: string;
  idleExpiresAt: string;
}

type SessionAnswer = ({ signedIn: true } & Session) | { signedIn: false; reason: string };

let current: Session | null | undefined;
const listeners = new Set<(s: Session | null) => void>();

function set(session: Session | null): void {
  current = session;
  setCsrfToken(session?.csrfToken);
  for (const listener of listeners) listener(session);
}

onUnauthenticated(() => set(null));

/** Asks the server who is signed in (the cookie is HttpOnly: only the server can tell). */
export async function loadSession(): Promise<Session | null> {
  const answer = await get<SessionAnswer>('/api/session');
  set(answer.signedIn ? answer : null);
  return current ?? null;
}

export async function signIn(token: string): Promise<Session> {
  const answer = await api<{ signedIn: true } & Session>('POST', '/api/session', { token });
  set(answer);
  return answer;
}

export async function signOut(): Promise<void> {
  try {
    await api('DELETE', '/api/session');
  } finally {
    set(null);
  }
}

/** The session, live: undefined while unknown, null when signed out. */
export function useSession(): Session | null | undefined {
  const [session, setSession] = useState(current);
  useEffect(() => {
    listeners.add(setSession);
    return () => void listeners.delete(setSession);
  }, []);
  return session;
}

/** Whether the signed-in person holds one of `roles` (the console shows only what they may do; the server checks anyway). */
export function hasRole(session: Session | null | undefined, ...roles: string[]): boolean {
  return Boolean(session && roles.some((r) => session.roles.includes(r)));
}
