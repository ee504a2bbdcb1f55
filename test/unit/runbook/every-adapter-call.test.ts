/**
 * Issue 15's validation hole: every adapter call a runbook can make is checked by `validate` — a
 * guard's probe, an approval's escalation and reminder, not only actions, checks and compensations —
 * at file:line:col, with the real adapter registry. The CLI test at the end runs the built bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { formatDiagnostic } from '../../../src/runbook/diagnostics';
import { parseRunbookYaml } from '../../../src/runbook/parse';
import { validateRunbook } from '../../../src/runbook/validate';

const ROOT = join(__dirname, '..', '..', '..');

/** The runbook: a guard calls an unknown adapter with a missing param, the escalation's url is a number. */
const HOLE = `apiVersion: drillbook/v1
name: hole
version: "1"
owners: [sre]
services: [core]
params:
  site: { type: string, default: b }
steps:
  - id: approve
    title: Approve
    kind: approval
    role: sre
    timeout: 5m
    onTimeout: escalate
    escalate:
      input: {url: 42, message: "late"}
    remind:
      every: 1m
      notify:
        adapter: notify
        input:
          url: https://chat.example/hook
          message: "waiting on \${{ params.nope }}"
          colour: red
guards:
  - id: stays-up
    title: Stays up
    probe:
      adapter: nosuch
      input:
        url: "\${{ params.missing }}"
    expect: output.ok == true
`;

const EXPECTED = [
  '16:20: error: invalid input for adapter "notify": must be an http:// or https:// URL',
  '23:36: error: unknown param "nope" (declared: site)',
  '24:11: error: invalid input for adapter "notify": unknown key "colour"',
  '29:16: error: unknown adapter "nosuch" (registered: exec, http, noop, notify, postgres)',
  '31:19: error: unknown param "missing" (declared: site)',
];

function errors(text: string, file = 'hole.yaml'): string[] {
  return validateRunbook(parseRunbookYaml(text, file), { registry: adapterRegistry, secretScope: false })
    .diagnostics.filter((d) => d.severity === 'error')
    .map(formatDiagnostic);
}

describe('every adapter call is validated', () => {
  it("reports a guard's unknown adapter and missing param, and an approval's bad escalate and remind inputs, each where it is", () => {
    const found = errors(HOLE);
    // Columns point at the value, and inside a template at its expression.
    expect(errors(HOLE)).toEqual(EXPECTED.map((line) => `hole.yaml:${line}`));
  });

  it("says a guard's probe cannot read a step's result", () => {
    const text = HOLE.replace('${{ params.missing }}', '${{ steps.approve.status }}').replace('adapter: nosuch', 'adapter: http');
    expect(errors(text)).toContain("hole.yaml:31:19: error: a guard's probe runs beside the steps and cannot read steps.approve; it reads mode and params");
  });

  it('leaves the reference runbooks valid', () => {
    const dir = join(ROOT, 'runbooks');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(errors(readFileSync(join(dir, f), 'utf8'), f)).toEqual([]);
  });

  it('drillbook validate exits 1 and prints the lines (built CLI)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-hole-'));
    const file = join(dir, 'hole.yaml');
    writeFileSync(file, HOLE);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'drillbook.js'), 'validate', file], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    const out = r.stdout + r.stderr;
    expect(r.status).toBe(1);
    for (const line of EXPECTED) expect(out).toContain(`${file}:${line}`);
  });
});
