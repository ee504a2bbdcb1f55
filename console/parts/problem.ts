/** How the console shows a failure: what, where (the field), and the request id to find it in the trail or the log. */
import { describeProblem } from '../api.js';
import { html } from '../html.js';

export function Problem({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const p = describeProblem(error);
  return html`<div class="problem" role="alert">
    <strong>${what ? `${what}: ` : ''}${p.status === 403 ? 'refused' : p.status === 409 ? 'not now' : 'failed'}</strong>
    <p class="problem-message">${p.message}</p>
    ${p.field ? html`<p class="problem-field">field: <code>${p.field}</code></p>` : null}
    ${p.requestId ? html`<p class="problem-request">request id <code>${p.requestId}</code></p>` : null}
  </div>`;
}

/** The outcome of an action, on the page that made it. */
export function Done({ text }: { text: string | undefined }) {
  if (!text) return null;
  return html`<div class="done" role="status">${text}</div>`;
}
