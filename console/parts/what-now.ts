/**
 * The one box that says what now: who must do what for the run to go on, and — only when the signed-in
 * person may do it — the form to do it (the server checks everything again: roles, four-eyes, the
 * step still waiting). Each form shows its outcome, or the API's refusal with its field, in place.
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { html } from '../html.js';
import { Markdown } from './markdown.js';
import { Done, Problem } from './problem.js';
import { time } from './format.js';
import type { Session } from '../session.js';
import type { HumanWait, RunView } from '../types.js';

const stepPath = (run: RunView, stepId: string, act: string) => `/api/runs/${encodeURIComponent(run.runId)}/steps/${encodeURIComponent(stepId)}/${act}`;

/** What the last action of this box came to: shown at the top of the box, so it stays when the form it came from goes (the wait is over). */
export interface Outcome {
  done?: string;
  error?: unknown;
  what?: string;
}
type Report = (outcome: Outcome) => void;

/** A form's state (busy), reporting its outcome or the API's refusal to the box. */
function useAction(report: Report, what: string) {
  const [busy, setBusy] = useState(false);
  async function run(fn: () => Promise<unknown>, outcome: string) {
    setBusy(true);
    report({});
    try {
      await fn();
      report({ done: outcome });
    } catch (err) {
      report({ error: err, what });
    } finally {
      setBusy(false);
    }
  }
  return { busy, run };
}

function DecideForm({ run, stepId, report }: { run: RunView; stepId: string; report: Report }) {
  const action = useAction(report, 'the decision');
  const [reason, setReason] = useState('');
  const decide = (decision: 'retry' | 'skip' | 'abort') =>
    action.run(
      () => post(stepPath(run, stepId, 'decide'), { decision, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
      stepId.startsWith('guard:')
        ? decision === 'retry' ? `Sent: ${stepId} is watched again.` : decision === 'skip' ? `Sent: ${stepId} is ignored for the rest of the run.` : 'Abort sent: the compensations run.'
        : decision === 'retry' ? `Retry sent: ${stepId} runs again.` : decision === 'skip' ? `Skip sent: the run goes on without ${stepId}.` : 'Abort sent: the compensations run.',
    );
  const id = `reason-${stepId}`;
  const guard = stepId.startsWith('guard:');
  return html`<form class="form" aria-label=${`decide on ${stepId}`} onSubmit=${(e: Event) => e.preventDefault()}>
    <label for=${id}>Reason <span class="muted">(required to ${guard ? 'ignore' : 'skip'}; recorded in the trail)</span></label>
    <textarea id=${id} name="reason" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLTextAreaElement).value)}></textarea>
    <div class="inline-form">
      <button type="button" class="ok" disabled=${action.busy} onClick=${() => decide('retry')}>${guard ? 'Watch it again' : 'Retry the step'}</button>
      <button type="button" disabled=${action.busy} onClick=${() => decide('skip')}>${guard ? 'Ignore it for this run' : 'Skip the step'}</button>
      <button type="button" class="danger" disabled=${action.busy} onClick=${() => decide('abort')}>Abort the run</button>
    </div>
  </form>`;
}

function ConfirmForm({ run, wait, report }: { run: RunView; wait: HumanWait; report: Report }) {
  const action = useAction(report, 'the confirmation');
  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const evidence: Record<string, string> = {};
    for (const field of wait.evidenceFields ?? []) {
      const value = String(form.get(`evidence.${field.name}`) ?? '').trim();
      if (value) evidence[field.name] = value;
    }
    const note = String(form.get('note') ?? '').trim();
    await action.run(() => post(stepPath(run, wait.stepId, 'confirm'), { evidence, ...(note ? { note } : {}) }), `Confirmed: ${wait.title}.`);
  }
  return html`<form class="form" aria-label=${`confirm ${wait.stepId}`} onSubmit=${submit}>
    ${(wait.evidenceFields ?? []).map((f) => {
      const id = `ev-${wait.stepId}-${f.name}`;
      return html`<label for=${id}>${f.name}${f.required ? ' (required)' : ''}</label>
        ${f.description ? html`<p class="hint">${f.description}</p>` : null}
        <input id=${id} name=${`evidence.${f.name}`} type="text" required=${f.required} autocomplete="off" />`;
    })}
    <label for=${`note-${wait.stepId}`}>Note</label>
    <textarea id=${`note-${wait.stepId}`} name="note"></textarea>
    <button type="submit" class="ok" disabled=${action.busy}>Confirm the step</button>
  </form>`;
}

function ApproveForm({ run, wait, report }: { run: RunView; wait: HumanWait; report: Report }) {
  const action = useAction(report, 'the approval');
  async function submit(event: Event) {
    event.preventDefault();
    const comment = String(new FormData(event.currentTarget as HTMLFormElement).get('comment') ?? '').trim();
    await action.run(() => post(stepPath(run, wait.stepId, 'approve'), comment ? { comment } : {}), `Approved: ${wait.title}.`);
  }
  return html`<form class="form" aria-label=${`approve ${wait.stepId}`} onSubmit=${submit}>
    <label for=${`comment-${wait.stepId}`}>Comment</label>
    <textarea id=${`comment-${wait.stepId}`} name="comment"></textarea>
    <button type="submit" class="ok" disabled=${action.busy}>Approve</button>
  </form>`;
}

function StopForm({ run, act, label, role, report }: { run: RunView; act: 'abort' | 'terminate'; label: string; role: string; report: Report }) {
  const action = useAction(report, act);
  async function submit(event: Event) {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget as HTMLFormElement).get('reason') ?? '').trim();
    await action.run(() => post(`/api/runs/${encodeURIComponent(run.runId)}/${act}`, { reason }), act === 'abort' ? 'Abort sent: the compensations run.' : 'Terminated: the run stopped without compensation.');
  }
  return html`<form class="form" aria-label=${label} onSubmit=${submit}>
    <label for=${`${act}-reason`}>Reason for ${act === 'abort' ? 'aborting' : 'terminating'} (${role}; recorded)</label>
    <textarea id=${`${act}-reason`} name="reason"></textarea>
    <button type="submit" class="danger" disabled=${action.busy}>${label}</button>
  </form>`;
}

/** Why the signed-in person may not approve, or undefined when they may. */
function approvalBar(run: RunView, wait: HumanWait, session: Session): string | undefined {
  if (session.name === run.initiator) return `you started this run: its initiator never approves it (four-eyes)`;
  if ((wait.approvedBy ?? []).includes(session.name)) return 'you approved already: another approver must';
  if (!session.roles.includes(wait.role)) return `approving needs the role "${wait.role}"`;
  return undefined;
}

function WaitItem({ run, wait, session, report }: { run: RunView; wait: HumanWait; session: Session; report: Report }) {
  if (wait.kind === 'decision') {
    const may = session.roles.includes('operator');
    return html`<li data-wait=${wait.stepId} data-kind="decision">
      ${wait.stepId.startsWith('guard:')
        ? html`<p><strong>An operator must decide</strong>: the guard <code>${wait.stepId.slice('guard:'.length)}</code>${wait.title ? ` (${wait.title})` : ''} was violated, and no new step starts. Watch it again, ignore it for this run (with a reason) or abort the run. Paused since ${time(wait.since)}.</p>`
        : html`<p><strong>An operator must decide</strong> on <code>${wait.stepId}</code>${wait.title ? ` (${wait.title})` : ''}: retry it, skip it (with a reason) or abort the run. Paused since ${time(wait.since)}.</p>`}
      ${wait.error ? html`<p>Why: <span class="problem-message" data-testid="why">${wait.error}</span></p>` : null}
      ${may ? html`<${DecideForm} run=${run} stepId=${wait.stepId} report=${report} />` : html`<p class="muted">You cannot decide: it needs the role "operator".</p>`}
    </li>`;
  }
  if (wait.kind === 'manual') {
    const may = session.roles.includes(wait.role);
    return html`<li data-wait=${wait.stepId} data-kind="manual">
      <p><strong>Someone with the role "${wait.role}" must do and confirm</strong> ${wait.title}, with evidence: ${(wait.evidenceFields ?? []).map((f) => f.name).join(', ') || 'none'}. Waiting since ${time(wait.since)}.</p>
      <${Markdown} text=${wait.instructions} />
      ${may ? html`<${ConfirmForm} run=${run} wait=${wait} report=${report} />` : html`<p class="muted">You cannot confirm it: it needs the role "${wait.role}".</p>`}
    </li>`;
  }
  const approved = wait.approvedBy ?? [];
  const needed = wait.approvalsNeeded ?? 1;
  const bar = approvalBar(run, wait, session);
  return html`<li data-wait=${wait.stepId} data-kind="approval">
    <p><strong>${needed - approved.length} more approver${needed - approved.length === 1 ? '' : 's'} with the role "${wait.role}"</strong> must approve ${wait.title} — never ${run.initiator}, who started the run.
      ${approved.length ? ` Approved so far by ${approved.join(', ')}.` : ''}${wait.deadline ? ` Deadline ${time(wait.deadline)}.` : ''}</p>
    <${Markdown} text=${wait.instructions} />
    ${bar ? html`<p class="muted" data-testid="no-approve">You cannot approve: ${bar}.</p>` : html`<${ApproveForm} run=${run} wait=${wait} report=${report} />`}
  </li>`;
}

export function WhatNow({ run, session }: { run: RunView; session: Session }) {
  const [outcome, report] = useState<Outcome>({});
  const waits: HumanWait[] = [...run.waiting];
  if (run.awaitingDecision && !waits.some((w) => w.stepId === run.awaitingDecision!.stepId)) {
    waits.unshift({ stepId: run.awaitingDecision.stepId, kind: 'decision', title: '', since: run.startedAt, role: 'operator', error: run.awaitingDecision.error });
  }
  const running = run.steps.filter((s) => s.state === 'running').map((s) => s.title);
  const isOperator = session.roles.includes('operator');
  const isAdmin = session.roles.includes('admin');
  return html`<section class=${`panel what-now${waits.length ? '' : ' calm'}`} aria-labelledby="what-now" data-testid="what-now">
    <h2 id="what-now">What now</h2>
    <${Done} text=${outcome.done} /><${Problem} error=${outcome.error} what=${outcome.what} />
    ${run.ended
      ? html`<p>Nothing: the run has ended (${run.state}${run.verdict ? `, verdict ${run.verdict}` : ''}).</p>`
      : waits.length
        ? html`<ul class="waits">${waits.map((w) => html`<${WaitItem} key=${w.stepId} run=${run} wait=${w} session=${session} report=${report} />`)}</ul>`
        : html`<p>Nothing waits for people: the run is ${run.state}${running.length ? ` (running: ${running.join(', ')})` : ''}.</p>`}
    ${!run.ended && (isOperator || isAdmin)
      ? html`<details class="stop">
          <summary>Stop the run</summary>
          ${isOperator ? html`<${StopForm} run=${run} act="abort" label="Abort the run" role="operator" report=${report} />` : null}
          ${isAdmin ? html`<${StopForm} run=${run} act="terminate" label="Terminate (no compensation)" role="admin" report=${report} />` : null}
        </details>`
      : null}
  </section>`;
}
