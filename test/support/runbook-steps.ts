/**
 * Runbook steps the workflow and API tests share (YAML text): steps to append after `steps:`, the
 * members of a sequence, a guard, and how a test drives a run of them.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { sendSigned } from './signing';
import { stepState } from './temporal';
import { waitFor } from './wait-for';

/** An action `POST <base>/do/<id>` whose undo is `POST <base>/undo/<id>`, tried once, after `needs`. */
export function compensatedStep(id: string, needs: string[]): string {
  return `
  - id: ${id}
    title: ${id}
    kind: action
    needs: [${needs.join(', ')}]
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/${id}" } }
    retry: { attempts: 1 }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/${id}" } }`;
}

/** Steps one → two → three, each with its undo, then `hold`, a wait of an hour: a run to abort while it holds. */
export function undoableChainThenHold(): string {
  return `${compensatedStep('one', [])}${compensatedStep('two', ['one'])}${compensatedStep('three', ['two'])}
  - id: hold
    title: hold
    kind: wait
    needs: [three]
    duration: 1h
`;
}

/** Once a run of `undoableChainThenHold` holds, carol aborts it (signed): one, two and three are undone. */
export async function abortWhileHolding(handle: WorkflowHandle): Promise<void> {
  await waitFor(async () => (await stepState(handle, 'hold')) === 'running');
  await sendSigned(handle, 'abort', { reason: 'drill window closed', actor: 'carol' });
}

/** A member of a `kind: sequence` step (indented for its `steps:`): `POST <base>/do/<id>`, undone by `POST <base>/undo/<id>`; `extra` YAML lines follow. */
export function sequenceMember(id: string, extra = ''): string {
  return `
      - id: ${id}
        title: ${id}
        kind: action
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/${id}" } }
        compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/${id}" } }${extra}`;
}

/** A guard `primary-healthy` polling `GET <base>/health` every 100 ms for `json.healthy == true`; `onViolation` when given (else the default). */
export function healthGuard(onViolation?: 'pause' | 'abort'): string {
  return `
guards:
  - id: primary-healthy
    title: the primary stays healthy
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.healthy == true
    every: 100ms
${onViolation ? `    onViolation: ${onViolation}\n` : ''}`;
}

/** A wait `hold` of 1.5 s, then a no-op `next` (to go after `steps:`): a run that outlives a guard's first violation. */
export const HOLD_THEN_NEXT = `
  - id: hold
    title: hold
    kind: wait
    duration: 1500ms
  - id: next
    title: next
    kind: action
    needs: [hold]
    action: { adapter: noop, input: {} }
`;

/** The head of a `kind: sequence` step `cutover` (a critical section) with `settings` (`local: true`, `needs: [a]`); its members follow. */
export function cutover(...settings: string[]): string {
  return `
  - id: cutover
    title: critical section
    kind: sequence
${settings.map((line) => `    ${line}\n`).join('')}    steps:`;
}

/** A sequence member run only in failover mode: skipped in a drill. */
export const SKIPPED_IN_DRILL_MEMBER = `
      - id: only-failover
        title: skipped in a drill
        kind: action
        when: mode == 'failover'
        action: { adapter: noop, input: {} }`;

/** A sequence member `refused` whose answer is never the expected one: a definitive failure. */
export const REFUSED_MEMBER = `
      - id: refused
        title: an answer that is not the expected one (definitive)
        kind: action
        action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/refused", expect: { json: { ready: 'never' } } } }`;
