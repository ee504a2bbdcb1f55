/** Inventory files for tests: a folder with the runbook of service `svc`, and inventories listing it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A one-step runbook `name` of service `svc` (RTO 45 s); `extra` YAML lines go before its objectives. */
export function svcRunbook(name = 'svc-drill', extra = ''): string {
  return `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [ops@example]
services: [svc]
${extra}objectives:
  rto: 45s
steps:
  - id: one
    title: nothing
    kind: action
    action: { adapter: noop }
`;
}

/** A fresh temporary folder `prefix…` holding `svc.yaml` (`svcRunbook()`). */
export function inventoryDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  writeFileSync(path.join(dir, 'svc.yaml'), svcRunbook());
  return dir;
}

/** Service `svc`, critical, on sites a and b, with `svc.yaml` as its runbook (lines 5 to 11 of `inventoryText`). */
export const SVC_SERVICE = `  - name: svc
    owner: ops@example
    criticality: critical
    sites: [a, b]
    objectives: { rto: 45s, rpo: 0s }
    runbooks:
      - file: svc.yaml
`;

/** An inventory in `timezone` whose services are `services` (YAML list items, from line 5). */
export function inventoryText(services: string, timezone = 'UTC'): string {
  return `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: ${timezone}
services:
${services}`;
}
