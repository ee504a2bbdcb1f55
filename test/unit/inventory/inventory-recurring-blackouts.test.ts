/**
 * Recurring blackout windows in the inventory: the two forms from the docs load (business hours in
 * Seoul, month-end), an overnight window is accepted, and each mistake — a bad day name, an unknown
 * time zone, a bad time, from = to, mixed forms — is an error at file:line:col; what a schedule pins
 * resolves the time zone.
 */
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { formatProgrammeDiagnostic, loadInventoryText } from '../../../src/inventory/load';
import { blackoutsFor } from '../../../src/schedules/spec';
import { inventoryDir, inventoryText, SVC_SERVICE } from '../../support/inventory';

const dir = inventoryDir('inventory-recurring-');
const file = path.join(dir, 'inv.yaml');

// Blackout entries start at line 13.
function inventory(blackouts: string): string {
  return `${inventoryText(SVC_SERVICE, 'Asia/Seoul')}blackouts:
${blackouts}`;
}

test('business hours in Seoul, month-end closing and an overnight window load; the pinned windows carry their time zone', () => {
  const result = loadInventoryText(
    inventory(`  - name: business-hours
    every: { days: [MON, TUE, WED, THU, FRI], from: "09:00", to: "18:00", timezone: Asia/Seoul }
  - name: month-end
    every: { monthDays: [-1, 1], from: "00:00", to: "24:00" }
    reason: closing
  - name: nightly-batch
    every: { from: "22:00", to: "06:00", timezone: Europe/Berlin }
  - name: freeze
    start: "2027-01-14T00:00:00+09:00"
    end: "2027-01-16T00:00:00+09:00"
`),
    file,
    adapterRegistry,
  );
  expect(result.diagnostics).toEqual([]);
  const pinned = blackoutsFor(result.inventory!, 'svc', new Date('2026-12-04T00:00:00Z'));
  expect(pinned).toEqual([
    { name: 'business-hours', every: { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], from: '09:00', to: '18:00', timezone: 'Asia/Seoul' } },
    { name: 'month-end', every: { monthDays: [-1, 1], from: '00:00', to: '24:00', timezone: 'Asia/Seoul' }, reason: 'closing' },
    { name: 'nightly-batch', every: { from: '22:00', to: '06:00', timezone: 'Europe/Berlin' } },
    { name: 'freeze', startMs: Date.parse('2027-01-14T00:00:00+09:00'), endMs: Date.parse('2027-01-16T00:00:00+09:00') },
  ]);
  // A fixed window that has ended is not pinned; a recurring one always is.
  expect(blackoutsFor(result.inventory!, 'svc', new Date('2027-02-01T00:00:00Z')).map((w) => w.name)).toEqual(['business-hours', 'month-end', 'nightly-batch']);
});

test('a bad day name, an unknown time zone, a bad time and a month day 0 are errors at file:line:col', () => {
  const result = loadInventoryText(
    inventory(`  - name: a
    every:
      days: [MON, MONDAY]
      from: "09:00"
      to: "25:00"
      timezone: Asia/Sel
  - name: b
    every: { monthDays: [0], from: "9", to: "10:00" }
`),
    file,
    adapterRegistry,
  );
  expect(result.inventory).toBeUndefined();
  const lines = result.diagnostics.map(formatProgrammeDiagnostic);
  expect(lines.find((l) => l.startsWith(`${file}:15:19: error:`))).toContain('MON');
  expect(lines.find((l) => l.startsWith(`${file}:17:11: error:`))).toContain('a time of day as HH:MM');
  expect(lines.find((l) => l.startsWith(`${file}:18:17: error:`))).toContain('unknown time zone');
  expect(lines.find((l) => l.startsWith(`${file}:20:26: error:`))).toContain('a day of the month is 1..31');
  expect(lines.find((l) => l.startsWith(`${file}:20:36: error:`))).toContain('a time of day as HH:MM');
  expect(result.diagnostics).toHaveLength(5);
});

test('from = to, a start at 24:00, weekdays with month days, fixed and recurring mixed, a fixed window without its end: located errors', () => {
  const result = loadInventoryText(
    inventory(`  - name: zero
    every: { from: "09:00", to: "09:00" }
  - name: both
    every: { days: [MON], monthDays: [1], from: "09:00", to: "10:00" }
  - name: mixed
    start: "2027-01-14T00:00:00+09:00"
    every: { from: "09:00", to: "10:00" }
  - name: half
    start: "2027-01-14T00:00:00+09:00"
  - name: none
  - name: midnight
    every: { from: "24:00", to: "06:00" }
`),
    file,
    adapterRegistry,
  );
  expect(result.inventory).toBeUndefined();
  expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([
    ['inventory.blackout_order', 14, 33],
    ['inventory.blackout_form', 16, 38],
    ['inventory.blackout_form', 18, 12],
    ['inventory.blackout_form', 21, 12],
    ['inventory.blackout_form', 22, 11],
    ['inventory.blackout_order', 24, 20],
  ]);
  expect(result.diagnostics[0].message).toContain('"00:00" to "24:00"');
  expect(result.diagnostics[1].message).toContain('not both');
  expect(result.diagnostics[3].message).toContain('needs "end"');
  expect(result.diagnostics[4].message).toContain('start and end (a fixed window) or every (a recurring one)');
  expect(result.diagnostics[5].message).toContain('cannot start at 24:00');
});
