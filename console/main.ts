/** The console's entry: who is signed in, then the page the address names, in the frame. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Layout } from './layout.js';
import { Problem } from './parts/problem.js';
import { match, useCurrentPath } from './router.js';
import { loadSession, useSession } from './session.js';
import { SignIn } from './pages/sign-in.js';
import './pages/index.js';

function App() {
  const session = useSession();
  const path = useCurrentPath();
  const [error, setError] = useState<unknown>();
  const [wasSignedIn, setWasSignedIn] = useState(false);
  useEffect(() => {
    loadSession().catch(setError);
  }, []);
  useEffect(() => {
    if (session) setWasSignedIn(true);
    const route = match(path);
    document.title = route ? `${route.page.title} · drillbook` : 'drillbook';
  }, [session, path]);
  if (error) return html`<main id="main"><${Problem} error=${error} what="loading the console" /></main>`;
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (session === null) return html`<${SignIn} reason=${wasSignedIn ? 'You are signed out (signed out, or the session expired).' : undefined} />`;
  const route = match(path);
  const page = route ? route.page.render(route.params) : html`<div><h1>Not found</h1><p>No console page at <code>${path}</code>.</p></div>`;
  return html`<${Layout} session=${session} path=${path}>${page}<//>`;
}

render(html`<${App} />`, document.getElementById('app')!);
