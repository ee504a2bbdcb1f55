/**
 * Admin: users and their roles, a user's tokens (a new token is shown once, on this page, then only its
 * prefix), revocation; the roles and what each may do; the registered runbook versions. Admins get the
 * forms; auditors read the same (an access review) and get no form: the server refuses them anyway.
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { html } from '../html.js';
import { Done, Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href, useQuery } from '../router.js';
import { hasRole, useSession } from '../session.js';

interface User { name: string; displayName: string | null; roles: string[]; disabled: boolean }
interface Token { prefix: string; label: string; createdAt: string; expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null; state: string }
interface Registration { planHash: string; runbook: string; version: string; services: string[]; modes: string[]; file: string; status: string; registered: { by: string; at: string; reason: string } | null; revoked: { by: string; at: string; reason: string } | null }
interface Roles { roles: { role: string; may: string[] }[] }

const BUILTIN = ['operator', 'approver', 'auditor', 'admin'];
const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

/** One admin action: its outcome (done, or the API's refusal with its field) shown where it was made. */
function useAct() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const run = async <T,>(what: () => Promise<T>, said: (answer: T) => string, after?: () => void) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(said(await what()));
      after?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

function UserForm({ onDone }: { onDone: () => void }) {
  const act = useAct();
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['operator']);
  const [extra, setExtra] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const all = [...roles, ...extra.split(',').map((r) => r.trim()).filter(Boolean)];
    void act.run(() => post<{ user: User }>('/api/users', { name, roles: all }), (a) => `${a.user.name} now has ${a.user.roles.join(', ')}`, onDone);
  };
  return html`<form class="form panel" onSubmit=${submit} data-testid="user-form">
    <h3>Create a user, or set a user's roles</h3>
    <label for="user-name">Name</label>
    <input id="user-name" type="text" value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} required autocomplete="off" />
    <fieldset><legend>Roles</legend>
      ${BUILTIN.map((r) => html`<label class="check"><input type="checkbox" checked=${roles.includes(r)} onChange=${(e: Event) => setRoles((e.target as HTMLInputElement).checked ? [...roles, r] : roles.filter((x) => x !== r))} /> ${r}</label>`)}
    </fieldset>
    <label for="user-extra">Other roles (a runbook's approval roles, comma-separated)</label>
    <input id="user-extra" type="text" value=${extra} onInput=${(e: Event) => setExtra((e.target as HTMLInputElement).value)} />
    <button type="submit" disabled=${act.busy}>Save user</button>
    <${Done} text=${act.done} /><${Problem} error=${act.error} what="saving the user" />
  </form>`;
}

function Tokens({ user, admin }: { user: string; admin: boolean }) {
  const tokens = useGet<{ tokens: Token[] }>(`/api/users/${encodeURIComponent(user)}/tokens`);
  const act = useAct();
  const [label, setLabel] = useState('console');
  const [days, setDays] = useState('90');
  // The new token lives here only, until dismissed or the page is left: never stored, never sent again.
  const [issued, setIssued] = useState<{ token: string; prefix: string } | null>(null);
  const issue = (e: Event) => {
    e.preventDefault();
    void act.run(
      () => post<{ token: string; prefix: string }>(`/api/users/${encodeURIComponent(user)}/tokens`, { label, ...(days ? { expiresInDays: Number(days) } : {}) }),
      (a) => (setIssued({ token: a.token, prefix: a.prefix }), `token ${a.prefix}… issued to ${user}`),
      tokens.reload,
    );
  };
  const revoke = (prefix?: string) =>
    act.run(() => post<{ revoked: number }>(`/api/users/${encodeURIComponent(user)}/tokens/revoke`, prefix ? { prefix } : {}), (a) => `${a.revoked} token(s) of ${user} revoked`, tokens.reload);
  return html`<section class="panel" data-testid="tokens">
    <h2>Tokens of ${user}</h2>
    <${Problem} error=${tokens.error} what="tokens" />
    ${issued
      ? html`<div class="notice issued" role="alert">
          <p><strong>Copy this token now: it is shown once and never again.</strong></p>
          <p><code class="token" data-testid="issued-token">${issued.token}</code></p>
          <button type="button" class="quiet" onClick=${() => setIssued(null)}>I have copied it</button>
        </div>`
      : null}
    ${tokens.data
      ? html`<table><thead><tr><th scope="col">prefix</th><th scope="col">label</th><th scope="col">created</th><th scope="col">last used</th><th scope="col">expires</th><th scope="col">state</th>${admin ? html`<th scope="col"></th>` : null}</tr></thead>
          <tbody>${tokens.data.tokens.map((t) => html`<tr>
            <td><code>${t.prefix}…</code></td><td>${t.label}</td><td>${day(t.createdAt)}</td><td>${day(t.lastUsedAt)}</td><td>${day(t.expiresAt)}</td>
            <td><span class=${`state state-${t.state === 'active' ? 'completed' : 'cancelled'}`}>${t.state}</span></td>
            ${admin ? html`<td>${t.state === 'active' ? html`<button type="button" class="danger" disabled=${act.busy} onClick=${() => revoke(t.prefix)}>Revoke ${t.prefix}…</button>` : null}</td>` : null}
          </tr>`)}</tbody></table>`
      : null}
    ${admin
      ? html`<form class="inline-form" onSubmit=${issue} data-testid="token-form">
          <label>Label <input type="text" value=${label} onInput=${(e: Event) => setLabel((e.target as HTMLInputElement).value)} required /></label>
          <label>Expires in days <input type="number" min="1" max="3650" value=${days} onInput=${(e: Event) => setDays((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" disabled=${act.busy}>Issue a token</button>
          <button type="button" class="danger" disabled=${act.busy} onClick=${() => revoke()}>Revoke all of ${user}'s tokens</button>
        </form>`
      : null}
    <${Done} text=${act.done} /><${Problem} error=${act.error} what="tokens" />
  </section>`;
}

function Runbooks({ admin }: { admin: boolean }) {
  const list = useGet<{ runbooks: Registration[] }>('/api/runbooks');
  const act = useAct();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const revoke = (e: Event, planHash: string) => {
    e.preventDefault();
    void act.run(() => post<{ planHash: string }>(`/api/runbooks/${planHash}/revoke`, { reason: reasons[planHash] ?? '' }), (a) => `runbook version ${a.planHash.slice(0, 12)} revoked`, list.reload);
  };
  return html`<section class="panel" data-testid="runbooks">
    <h2>Registered runbooks</h2>
    <p class="hint">A real run (failover, failback) starts only from a version registered here (<code>drillbook runbook register FILE</code>).</p>
    <${Problem} error=${list.error} what="runbooks" />
    ${list.data
      ? list.data.runbooks.length
        ? html`<table><thead><tr><th scope="col">runbook</th><th scope="col">plan</th><th scope="col">services</th><th scope="col">modes</th><th scope="col">status</th><th scope="col">registered</th>${admin ? html`<th scope="col"></th>` : null}</tr></thead>
            <tbody>${list.data.runbooks.map((r) => html`<tr>
              <th scope="row">${r.runbook} ${r.version}<br /><span class="hint">${r.file}</span></th><td><code>${r.planHash.slice(0, 12)}</code></td><td>${r.services.join(', ')}</td><td>${r.modes.join(', ')}</td>
              <td>${r.status}${r.revoked ? ` by ${r.revoked.by}: ${r.revoked.reason}` : ''}</td><td>${r.registered ? `${r.registered.by}, ${day(r.registered.at)}: ${r.registered.reason}` : '—'}</td>
              ${admin ? html`<td>${r.status === 'registered'
                ? html`<form class="inline-form" onSubmit=${(e: Event) => revoke(e, r.planHash)}>
                    <label>Reason <input type="text" value=${reasons[r.planHash] ?? ''} onInput=${(e: Event) => setReasons({ ...reasons, [r.planHash]: (e.target as HTMLInputElement).value })} /></label>
                    <button type="submit" class="danger" disabled=${act.busy}>Revoke</button>
                  </form>`
                : null}</td>` : null}
            </tr>`)}</tbody></table>`
        : html`<p>No runbook version is registered.</p>`
      : null}
    <${Done} text=${act.done} /><${Problem} error=${act.error} what="runbook registry" />
  </section>`;
}

function AdminPage() {
  const session = useSession();
  const admin = hasRole(session, 'admin');
  const selected = useQuery().get('user');
  const users = useGet<{ users: User[] }>('/api/users');
  const roles = useGet<Roles>('/api/roles');
  const act = useAct();
  const setDisabled = (name: string, disabled: boolean) =>
    act.run(() => post(`/api/users/${encodeURIComponent(name)}/${disabled ? 'disable' : 'enable'}`, {}), () => `${name} ${disabled ? 'disabled: their tokens stop working' : 'enabled'}`, users.reload);
  return html`<div>
    <h1>Admin</h1>
    ${admin ? null : html`<p class="hint" data-testid="read-only">Read only: users, roles, tokens and runbooks as an access review. Changes are an admin's.</p>`}
    <section class="panel">
      <h2>Users</h2>
      <${Problem} error=${users.error} what="users" />
      ${users.data
        ? html`<table data-testid="users"><thead><tr><th scope="col">user</th><th scope="col">roles</th><th scope="col">state</th><th scope="col"></th></tr></thead>
            <tbody>${users.data.users.map((u) => html`<tr>
              <th scope="row">${u.name}${u.displayName ? html`<br /><span class="hint">${u.displayName}</span>` : null}</th><td>${u.roles.join(', ')}</td>
              <td>${u.disabled ? html`<span class="bad">disabled</span>` : 'active'}</td>
              <td>
                <a href=${href(`/admin?user=${encodeURIComponent(u.name)}`)}>tokens</a>
                ${admin && u.name === session?.name ? html` <span class="hint">(you)</span>` : null}
                ${admin && u.name !== session?.name ? html` <button type="button" class=${u.disabled ? 'quiet' : 'danger'} disabled=${act.busy} onClick=${() => setDisabled(u.name, !u.disabled)}>${u.disabled ? 'Enable' : 'Disable'}</button>` : null}
              </td>
            </tr>`)}</tbody></table>`
        : null}
      <${Done} text=${act.done} /><${Problem} error=${act.error} what="user" />
    </section>
    ${admin ? html`<${UserForm} onDone=${users.reload} />` : null}
    ${selected ? html`<${Tokens} user=${selected} admin=${admin} key=${selected} />` : null}
    <section class="panel">
      <h2>Roles</h2>
      <${Problem} error=${roles.error} what="roles" />
      ${roles.data ? html`<table><tbody>${roles.data.roles.map((r) => html`<tr><th scope="row">${r.role}</th><td>${r.may.join(', ')}</td></tr>`)}</tbody></table>` : null}
      <p class="hint">A runbook's approval step may name a role of its own (e.g. dba-lead): give it to users like any other.</p>
    </section>
    <${Runbooks} admin=${admin} />
  </div>`;
}

addPage({ path: '/admin', title: 'Admin', nav: 'Admin', order: 60, roles: ['admin', 'auditor'], render: () => html`<${AdminPage} />` });
