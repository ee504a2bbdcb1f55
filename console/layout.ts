/** The frame of every page: the navigation (only what the person's roles may use), who is signed in, sign-out. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { Problem } from './parts/problem.js';
import { href, navPages } from './router.js';
import { signOut, type Session } from './session.js';

export function Layout({ session, path, children }: { session: Session; path: string; children: VNode }) {
  const [error, setError] = useState<unknown>();
  const here = '/' + (path.split('?')[0].split('/')[1] ?? '');
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e: Event) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="top">
      <a class="brand" href=${href('/runs')}>drillbook</a>
      <nav aria-label="main">
        <ul>
          ${navPages(session.roles).map(
            (p) => html`<li><a href=${href(p.path)} aria-current=${here === p.path ? 'page' : undefined}>${p.nav}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span class="who-name" data-testid="who">${session.name}</span>
        <span class="who-roles">${session.roles.join(', ') || 'no role'}</span>
        <button type="button" class="quiet" onClick=${() => signOut().catch(setError)}>Sign out</button>
      </div>
    </header>
    <${Problem} error=${error} what="sign-out" />
    <main id="main" tabindex="-1">${children}</main>
  </div>`;
}
