/** Sign-in: an API token (from an admin: `drillbook users token NAME`) exchanged for a session. The token is not kept in the page. */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { Problem } from '../parts/problem.js';
import { signIn } from '../session.js';

export function SignIn({ reason }: { reason?: string }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('token') as HTMLInputElement;
    setBusy(true);
    setError(undefined);
    try {
      await signIn(input.value.trim());
      input.value = '';
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="sign-in" id="main">
    <h1>drillbook</h1>
    <p>Disaster-recovery drills: sign in with your API token.</p>
    ${reason ? html`<p class="notice" role="status">${reason}</p>` : null}
    <form onSubmit=${submit} class="form">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required autofocus />
      <p class="hint">An admin issues it: <code>drillbook users token NAME</code>. It is exchanged for a session and not kept in the page.</p>
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
    <${Problem} error=${error} what="sign-in" />
  </main>`;
}
