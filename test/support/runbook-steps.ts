/** Runbook steps that tests of aborts and compensations share (YAML text, to append after `steps:`). */

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
