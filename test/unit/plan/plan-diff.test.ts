/** The plan diff on real compiled plans: what an auditor reads as "what changed since the last drill". */
import { adapterRegistry } from '../../../activities/adapters/index';
import { diffPlans, hasChanges } from '../../../src/plan/plan-diff';
import type { Plan } from '../../../src/plan/types';
import { loadRunbookText } from '../../../src/runbook/load';

const BASE = `
apiVersion: drillbook/v1
name: diff-me
version: "1.0"
owners: [dr@bank.example]
services: [ledger]
objectives: { rto: 5m }
modes: [drill]
params:
  region: { type: string, default: eu }
  token: { type: secret, default: env:DRILLBOOK_SECRET_OLD_TOKEN }
  gone: { type: number, default: 3 }
prechecks:
  - id: healthy
    title: DR answers
    kind: check
    probe: { adapter: noop, input: { output: { ok: true } } }
    expect: output.ok
guards:
  - id: lag
    title: Lag stays low
    probe: { adapter: noop, input: { output: { lag: 0 } } }
    expect: output.lag < 10
    every: 5s
steps:
  - id: promote
    title: Promote
    kind: action
    action: { adapter: noop, input: { output: { promoted: true } } }
    marks: [rto.start]
  - id: verify
    title: Verify
    kind: check
    needs: [promote]
    probe: { adapter: noop, input: { output: { rows: 1 } } }
    expect: output.rows == 1
    marks: [rto.end]
  - id: retired
    title: Old step
    kind: wait
    duration: 1s
`;

function compile(text: string): { plan: Plan; hash: string } {
  const r = loadRunbookText(text, 'diff-me.yaml', { registry: adapterRegistry });
  if (!r.plan || !r.planHash) throw new Error(`does not compile: ${JSON.stringify(r.diagnostics)}`);
  return { plan: r.plan, hash: r.planHash };
}

/** BASE with each [from, to] replaced once (each `from` must be there). */
function edit(...pairs: [string, string][]): string {
  let text = BASE;
  for (const [from, to] of pairs) {
    if (!text.includes(from)) throw new Error(`not in BASE: ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

describe('diffPlans', () => {
  const a = compile(BASE);

  it('the same plan: identical, no change named, even when compiled from a file with other line numbers', () => {
    const b = compile(`# a comment that moves every line\n${BASE}`);
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    expect(d.identical).toBe(true);
    expect(hasChanges(d)).toBe(false);
    expect(d.runbook).toEqual({ name: 'diff-me', before: { version: '1.0', planHash: a.hash }, after: { version: '1.0', planHash: a.hash } });
  });

  it('names steps added, removed and changed with the paths of what changed, params, objectives and the version', () => {
    const b = compile(edit(
      ['version: "1.0"', 'version: "1.1"'],
      ['rto: 5m', 'rto: 4m'],
      ['region: { type: string, default: eu }', 'region: { type: string, default: us }'],
      ['  gone: { type: number, default: 3 }\n', '  added: { type: boolean, default: true }\n'],
      ['input: { output: { promoted: true } } }', 'input: { output: { promoted: yes } } }\n    timeout: 30s'],
      ["  - id: retired\n    title: Old step\n    kind: wait\n    duration: 1s\n", "  - id: soak\n    title: Soak\n    kind: wait\n    needs: [verify]\n    duration: 2s\n"],
    ));
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    expect(d.identical).toBe(false);
    expect(d.runbook.before.version).toBe('1.0');
    expect(d.runbook.after).toEqual({ version: '1.1', planHash: b.hash });
    expect(d.steps.added).toEqual([{ id: 'soak', title: 'Soak', kind: 'wait' }]);
    expect(d.steps.removed).toEqual([{ id: 'retired', title: 'Old step', kind: 'wait' }]);
    expect(d.steps.changed).toEqual([
      { id: 'promote', title: 'Promote', kind: 'action', fields: [{ path: 'action.input.output.promoted', before: true, after: 'yes' }, { path: 'timeoutMs', after: 30_000 }] },
    ]);
    expect(d.prechecks).toEqual({ added: [], removed: [], changed: [] });
    expect(d.params).toEqual({
      added: [{ name: 'added', type: 'boolean', required: false }],
      removed: [{ name: 'gone', type: 'number', required: false }],
      changed: [{ name: 'region', fields: [{ path: 'default', before: 'eu', after: 'us' }] }],
    });
    expect(d.objectives).toEqual([{ path: 'rtoMs', before: 300_000, after: 240_000 }]);
    expect(d.header).toEqual([{ path: 'runbook.version', before: '1.0', after: '1.1' }]);
    expect(d.guards).toEqual({ added: [], removed: [], changed: [] });
    expect(d.order).toBeNull();
  });

  it("never shows a secret param's reference: the change is named, its values withheld", () => {
    const b = compile(edit(['default: env:DRILLBOOK_SECRET_OLD_TOKEN', 'default: env:DRILLBOOK_SECRET_NEW_TOKEN']));
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    expect(d.params.changed).toEqual([{ name: 'token', fields: [{ path: 'default', redacted: true }] }]);
    expect(JSON.stringify(d)).not.toMatch(/DRILLBOOK_SECRET_(OLD|NEW)_TOKEN/);
  });

  it('pre-checks and guards: a precheck added shows there (and as a need of every main step); a guard changed by path', () => {
    const b = compile(edit(
      ['    expect: output.ok\n', '    expect: output.ok\n  - id: lag-ok\n    title: Lag is low\n    kind: check\n    probe: { adapter: noop, input: { output: { lag: 0 } } }\n    expect: output.lag == 0\n'],
      ['every: 5s', 'every: 10s\n    onViolation: abort'],
    ));
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    expect(d.prechecks.added).toEqual([{ id: 'lag-ok', title: 'Lag is low', kind: 'check' }]);
    expect(d.guards.changed).toEqual([{ id: 'lag', title: 'Lag stays low', kind: 'guard', fields: [{ path: 'everyMs', before: 5000, after: 10_000 }, { path: 'onViolation', before: 'pause', after: 'abort' }] }]);
    // The compiler makes every main step need every pre-check: the plan says so, and so does the diff.
    expect(d.steps.changed.map((c) => [c.id, c.fields.map((f) => f.path)])).toEqual([['promote', ['needs']], ['verify', ['needs']], ['retired', ['needs']]]);
    expect(d.steps.changed[1].fields[0]).toEqual({ path: 'needs', before: ['healthy', 'promote'], after: ['healthy', 'lag-ok', 'promote'] });
  });

  it('a step moved to the pre-checks is changed (phase), not removed and added; a new order is named', () => {
    const verify = "  - id: verify\n    title: Verify\n    kind: check\n    needs: [promote]\n    probe: { adapter: noop, input: { output: { rows: 1 } } }\n    expect: output.rows == 1\n    marks: [rto.end]\n";
    const asPrecheck = "  - id: verify\n    title: Verify\n    kind: check\n    probe: { adapter: noop, input: { output: { rows: 1 } } }\n    expect: output.rows == 1\n";
    const b = compile(edit([verify, ''], ['prechecks:\n', `prechecks:\n${asPrecheck}`], ['    marks: [rto.start]\n', '    marks: [rto.start, rto.end]\n']));
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    expect(d.steps.removed).toEqual([]);
    expect(d.prechecks.added).toEqual([]);
    expect(d.prechecks.changed).toEqual([{ id: 'verify', title: 'Verify', kind: 'check', fields: [
      { path: 'marks', before: ['rto.end'], after: [] },
      { path: 'needs', before: ['healthy', 'promote'], after: [] },
      { path: 'phase', before: 'main', after: 'precheck' },
    ] }]);
    expect(d.order).toEqual({ before: ['healthy', 'promote', 'verify', 'retired'], after: ['verify', 'healthy', 'promote', 'retired'] });
    expect(hasChanges(d)).toBe(true);
  });

  it('a step whose kind changed names kind and the fields that came and went', () => {
    const b = compile(edit(["    kind: wait\n    duration: 1s\n", "    kind: manual\n    instructions: Look at the dashboard.\n"]));
    const d = diffPlans(a.plan, a.hash, b.plan, b.hash);
    const fields = d.steps.changed.find((c) => c.id === 'retired')!.fields;
    expect(fields).toEqual(expect.arrayContaining([
      { path: 'kind', before: 'wait', after: 'manual' },
      { path: 'durationMs', before: 1000 },
      { path: 'instructions', after: 'Look at the dashboard.' },
    ]));
  });
});
