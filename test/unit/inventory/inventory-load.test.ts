/**
 * The inventory file: the shipped example loads; each kind of mistake is reported at file:line:col
 * with a code, and nothing is returned to apply; a runbook whose RTO disagrees is a warning.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { formatProgrammeDiagnostic, loadInventoryFile, loadInventoryText } from '../../../src/inventory/load';
import { readinessEveryMs } from '../../../src/inventory/schema';
import { inventoryDir, inventoryText, SVC_SERVICE, svcRunbook } from '../../support/inventory';

const root = path.join(__dirname, '..', '..', '..');
const dir = inventoryDir('inventory-');
const inventory = (body: string) => inventoryText(body);
const goodService = SVC_SERVICE;

test('the shipped inventory loads, with the runbook compiled and pinned', () => {
  const result = loadInventoryFile(path.join(root, 'inventory', 'services.yaml'), adapterRegistry);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const payments = result.inventory!.services.find((s) => s.name === 'payments')!;
  expect(payments.runbooks[0].plan.runbook.name).toBe('dr-readiness');
  expect(payments.runbooks[0].planHash).toMatch(/^[0-9a-f]{64}$/);
  expect(payments.runbooks[0].schedule!.months).toEqual(['JANUARY', 'JULY']);
});

test('a valid inventory has no diagnostics and defaults filled in', () => {
  const result = loadInventoryText(inventory(goodService), path.join(dir, 'inv.yaml'), adapterRegistry);
  expect(result.diagnostics).toEqual([]);
  expect(result.inventory!.notifications.dueWithin).toBe(14 * 86_400_000);
  expect(result.inventory!.alerts.rtoShare).toBe(0.8);
});

test('a typo, a bad duration, a missing runbook and a duplicate service, each at file:line:col', () => {
  const file = path.join(dir, 'bad.yaml');
  const text = inventory(`${goodService}  - name: svc
    ownr: x
    criticality: critical
    sites: [a]
    objectives: { rto: 45, rpo: 0s }
    runbooks:
      - file: missing.yaml
`);
  const result = loadInventoryText(text, file, adapterRegistry);
  expect(result.inventory).toBeUndefined();
  const lines = result.diagnostics.map(formatProgrammeDiagnostic);
  // Shape errors first: the schema stops before cross-field checks.
  expect(lines).toContain(`${file}:13:5: error: unknown key "ownr"; did you mean "owner"?`);
  expect(lines.some((l) => l.startsWith(`${file}:16:24: error: duration 45 has no unit`))).toBe(true);
  expect(lines.some((l) => l.startsWith(`${file}:12:5: error: missing required key "owner"`))).toBe(true);

  const cross = loadInventoryText(inventory(`${goodService}${goodService.replace('svc.yaml', 'missing.yaml')}`), file, adapterRegistry);
  const crossLines = cross.diagnostics.map(formatProgrammeDiagnostic);
  expect(crossLines).toContain(`${file}:12:11: error: service "svc" is listed twice (first at line 5)`);
  expect(crossLines.some((l) => l.startsWith(`${file}:18:15: error: cannot read runbook: no such file`))).toBe(true);
  expect(cross.diagnostics.map((d) => d.code)).toEqual(['inventory.duplicate_service', 'inventory.runbook_unreadable']);
});

test('a runbook whose RTO disagrees with the inventory is a warning, not an error', () => {
  const result = loadInventoryText(inventory(goodService.replace('rto: 45s', 'rto: 1m')), path.join(dir, 'inv.yaml'), adapterRegistry);
  expect(result.inventory).toBeDefined();
  expect(result.diagnostics).toHaveLength(1);
  expect(result.diagnostics[0]).toMatchObject({ code: 'objectives.disagree', severity: 'warning', line: 11, col: 15 });
  expect(result.diagnostics[0].message).toContain('RTO 45s differs from the inventory\'s RTO target for "svc" (1m');
});

test('blackout windows in the wrong order or naming unknown services are errors', () => {
  const text = `${inventory(goodService)}blackouts:
  - name: freeze
    start: "2026-12-20T00:00:00+09:00"
    end: "2026-12-19T00:00:00+09:00"
    services: [svc, nope]
`;
  const result = loadInventoryText(text, path.join(dir, 'inv.yaml'), adapterRegistry);
  expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
    ['inventory.blackout_order', 15, 10],
    ['inventory.unknown_service', 16, 21],
  ]);
});

test('a half-yearly schedule drilling only in January leaves the second half uncovered (warning)', () => {
  const text = inventory(`${goodService}        schedule: { months: [JANUARY], day: 15 }\n`);
  const result = loadInventoryText(text, path.join(dir, 'inv.yaml'), adapterRegistry);
  expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([['inventory.cadence_gap', 'warning']]);
  expect(result.diagnostics[0].message).toContain('JULY-DECEMBER');
});

test('a schedule on a runbook listed for a real failover is an error at its schedule: only drills are scheduled', () => {
  writeFileSync(
    path.join(dir, 'svc-real.yaml'),
    svcRunbook('svc-failover', 'modes: [drill, failover]\n'),
  );
  const text = inventory(`${goodService.replace('svc.yaml', 'svc-real.yaml')}        mode: failover\n        schedule: { months: [JANUARY, JULY], day: 15 }\n`);
  const result = loadInventoryText(text, path.join(dir, 'inv.yaml'), adapterRegistry);
  expect(result.inventory).toBeUndefined();
  expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['inventory.schedule_real_run', 13, 19]]);
  expect(result.diagnostics[0].message).toContain('only drills are scheduled');
});

test('readiness.every: 15 minutes by default, a service\'s own otherwise, not part of the entry\'s hash; a bad one is an error at the field', () => {
  const withEvery = (every: string) => goodService.replace('    runbooks:\n', `    readiness: { every: ${every} }\n    runbooks:\n`);
  const plain = loadInventoryText(inventory(goodService), path.join(dir, 'inv.yaml'), adapterRegistry).inventory!.services[0];
  const own = loadInventoryText(inventory(withEvery('2s')), path.join(dir, 'inv.yaml'), adapterRegistry).inventory!.services[0];
  expect(readinessEveryMs(plain)).toBe(15 * 60_000);
  expect(readinessEveryMs(own)).toBe(2_000);
  // How often readiness is looked at is no "significant change" for coverage.
  expect(own.entryHash).toBe(plain.entryHash);

  const file = path.join(dir, 'bad-readiness.yaml');
  for (const [every, message] of [
    ['500ms', 'readiness.every must be at least 1s'],
    ['15', 'duration 15 has no unit'],
    ['soon', 'invalid duration "soon"'],
  ]) {
    const result = loadInventoryText(inventory(withEvery(every)), file, adapterRegistry);
    expect(result.inventory).toBeUndefined();
    expect(result.diagnostics.map(formatProgrammeDiagnostic)).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:\\d+: error: .*${message}`))]);
  }
  const typo = loadInventoryText(inventory(goodService.replace('    runbooks:\n', '    readiness: { evry: 1m }\n    runbooks:\n')), file, adapterRegistry);
  expect(typo.diagnostics.map(formatProgrammeDiagnostic)).toContain(`${file}:10:18: error: unknown key "evry"; did you mean "every"?`);
});
