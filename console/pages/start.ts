/**
 * Start a drill: the runbook's YAML (a file from the team's repository, or pasted) is checked by the
 * server (POST /api/runbooks/check), which says its version and hash, whether that version is
 * registered for real runs, and its parameters; the form is built from those. The start itself is
 * POST /api/runs with an Idempotency-Key (a double click starts one run), then the run's page.
 * A start refused because the runbook is not ready (409 runbook_not_ready, docs/readiness.md) may be
 * sent again with `readinessOverride: { reason }`, which the trail keeps with who gave it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiProblem, get, post } from '../api.js';
import { html } from '../html.js';
import { Problem } from '../parts/problem.js';
import { addPage, href, navigate } from '../router.js';

interface Checked {
  planHash: string;
  runbook: string;
  version: string;
  description: string | null;
  services: string[];
  registered: boolean;
  modes: { mode: string; real: boolean; allowed: boolean }[];
  params: { name: string; type: 'string' | 'number' | 'boolean' | 'secret'; required: boolean; description: string | null; default: string | number | boolean | null; pattern: string | null }[];
  warnings: string[];
}

interface Registration {
  planHash: string;
  runbook: string;
  version: string;
  file: string;
  status: string;
  services: string[];
}

function ParamField({ p }: { p: Checked['params'][number] }) {
  const id = `param-${p.name}`;
  const hint = [p.description, p.type === 'secret' ? 'a reference (env:NAME or file:/path), never the secret itself' : null, p.pattern ? `pattern ${p.pattern}` : null].filter(Boolean).join(' — ');
  if (p.type === 'boolean') {
    return html`<label for=${id}><input id=${id} name=${`param.${p.name}`} type="checkbox" checked=${p.default === true} /> ${p.name}</label>${hint ? html`<p class="hint">${hint}</p>` : null}`;
  }
  return html`<label for=${id}>${p.name}${p.required && p.default === null ? ' (required)' : ''}</label>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
    <input id=${id} name=${`param.${p.name}`} type=${p.type === 'number' ? 'number' : 'text'} value=${p.default === null ? '' : String(p.default)} required=${p.required && p.default === null} autocomplete="off" />`;
}

function StartPage() {
  const [text, setText] = useState('');
  const [file, setFile] = useState('runbook.yaml');
  const [checked, setChecked] = useState<Checked>();
  const [checkError, setCheckError] = useState<unknown>();
  const [startError, setStartError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [registry, setRegistry] = useState<Registration[]>();
  // One key per filled form: a retried or double-clicked start gets the same run.
  const idempotencyKey = useMemo(() => randomKey(), [checked?.planHash]);
  // The start refused as not ready, kept to send again with an override (under a key of its own: another request).
  const [notReady, setNotReady] = useState<Record<string, unknown>>();
  const overrideKey = useMemo(() => randomKey(), [notReady]);

  useEffect(() => {
    get<{ runbooks: Registration[] }>('/api/runbooks').then((r) => setRegistry(r.runbooks.filter((x) => x.status === 'registered')), () => setRegistry([]));
  }, []);

  async function check(yaml: string, name: string) {
    setChecked(undefined);
    setCheckError(undefined);
    setNotReady(undefined);
    if (!yaml.trim()) return;
    try {
      setChecked(await post<Checked>('/api/runbooks/check', { runbook: yaml, file: name }));
    } catch (err) {
      setCheckError(err);
    }
  }

  async function onFile(event: Event) {
    const input = event.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    if (!chosen) return;
    const yaml = await chosen.text();
    setText(yaml);
    setFile(chosen.name);
    await check(yaml, chosen.name);
  }

  async function start(event: Event) {
    event.preventDefault();
    if (!checked) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params: Record<string, string | number | boolean> = {};
    for (const p of checked.params) {
      const raw = form.get(`param.${p.name}`);
      if (p.type === 'boolean') params[p.name] = raw === 'on';
      else if (raw !== null && String(raw) !== '') params[p.name] = p.type === 'number' ? Number(raw) : String(raw);
    }
    await send({ runbook: text, file, mode: String(form.get('mode')), params, reason: String(form.get('reason') ?? '').trim() }, idempotencyKey);
  }

  async function send(body: Record<string, unknown>, key: string) {
    setBusy(true);
    setStartError(undefined);
    try {
      const answer = await startRun(body, key);
      navigate(`/runs/${encodeURIComponent(answer.runId)}`);
    } catch (err) {
      setStartError(err);
      if (err instanceof ApiProblem && err.code === 'runbook_not_ready' && !body.readinessOverride) setNotReady(body);
    } finally {
      setBusy(false);
    }
  }

  async function override(event: Event) {
    event.preventDefault();
    if (!notReady) return;
    const reason = String(new FormData(event.currentTarget as HTMLFormElement).get('overrideReason') ?? '').trim();
    await send({ ...notReady, readinessOverride: { reason } }, overrideKey);
  }

  return html`<section>
    <p><a href=${href('/runs')}>← Runs</a></p>
    <h1>Start a drill</h1>
    <h2>Registered runbook versions</h2>
    ${registry === undefined
      ? html`<p class="muted">Loading…</p>`
      : registry.length
        ? html`<table><thead><tr><th>Runbook</th><th>Version</th><th>Services</th><th>File</th><th>Plan hash</th></tr></thead>
            <tbody>${registry.map((r) => html`<tr><td>${r.runbook}</td><td>${r.version}</td><td>${r.services.join(', ')}</td><td><code>${r.file}</code></td><td><code>${r.planHash.slice(0, 12)}</code></td></tr>`)}</tbody></table>
            <p class="hint">The registry keeps each version's hash, not its text: choose the file from your repository; the console says whether it is that version.</p>`
        : html`<p class="muted">No runbook version is registered for real runs: drills run any valid runbook.</p>`}
    <h2>Runbook</h2>
    <form class="form" onSubmit=${(e: Event) => { e.preventDefault(); void check(text, file); }} aria-label="runbook">
      <label for="runbook-file">Runbook file (YAML)</label>
      <input id="runbook-file" type="file" accept=".yaml,.yml,text/yaml" onChange=${onFile} />
      <label for="runbook-text">or its text</label>
      <textarea id="runbook-text" rows="8" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
      <button type="submit">Check the runbook</button>
    </form>
    <${Problem} error=${checkError} what="the runbook" />
    ${checked
      ? html`<form class="form panel" onSubmit=${start} aria-label="start">
          <h2>${checked.runbook} <span class="muted">${checked.version}</span></h2>
          ${checked.description ? html`<p>${checked.description}</p>` : null}
          <p>Services: ${checked.services.join(', ')} — plan <code>${checked.planHash.slice(0, 12)}</code>, ${checked.registered ? 'registered for real runs' : 'not registered: drills only'}</p>
          ${checked.warnings.map((w) => html`<p class="notice">${w}</p>`)}
          <label for="mode">Mode</label>
          <select id="mode" name="mode">${checked.modes.filter((m) => m.allowed).map((m) => html`<option value=${m.mode}>${m.mode}</option>`)}</select>
          ${checked.params.map((p) => html`<${ParamField} key=${p.name} p=${p} />`)}
          <label for="reason">Reason (recorded in the trail)</label>
          <textarea id="reason" name="reason" required></textarea>
          <button type="submit" disabled=${busy}>${busy ? 'Starting…' : 'Start'}</button>
          <${Problem} error=${startError} what="the start" />
        </form>`
      : null}
    ${checked && notReady
      ? html`<form class="form panel" onSubmit=${override} aria-label="override readiness" data-testid="override-readiness">
          <h2>Start although not ready</h2>
          <p class="hint">The runbook's pre-checks last failed (see Readiness). Starting anyway is recorded in the trail with your name and this reason.</p>
          <label for="override-reason">Override with a reason</label>
          <textarea id="override-reason" name="overrideReason" required></textarea>
          <button type="submit" class="danger" disabled=${busy}>${busy ? 'Starting…' : 'Start anyway'}</button>
        </form>`
      : null}
  </section>`;
}

/** 128 random bits as hex (getRandomValues works outside secure contexts too, unlike randomUUID). */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function startRun(body: Record<string, unknown>, idempotencyKey: string) {
  return api<{ runId: string }>('POST', '/api/runs', body, { 'idempotency-key': idempotencyKey });
}

addPage({ path: '/start', title: 'Start a drill', render: () => html`<${StartPage} />` });
