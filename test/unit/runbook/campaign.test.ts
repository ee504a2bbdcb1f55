/** Campaign files: the schema, each phase's runbook loaded and validated, every problem at file:line:col of the campaign. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { campaignInput } from '../../../src/runbook/campaign';
import { loadCampaignFile } from '../../../src/runbook/campaign-file';
import { formatDiagnostic } from '../../../src/runbook/diagnostics';

const options = { registry: adapterRegistry, secretScope: false as const };
const dir = mkdtempSync(path.join(tmpdir(), 'campaign-test-'));
writeFileSync(
  path.join(dir, 'one.yaml'),
  `apiVersion: drillbook/v1
name: one
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m }
modes: [drill]
params:
  base: { type: string, required: true }
steps:
  - id: go
    title: go
    kind: action
    action: { adapter: noop, input: {} }
    marks: [rto.start, rto.end]
`,
);
writeFileSync(path.join(dir, 'broken.yaml'), `apiVersion: drillbook/v1\nname: broken\nversion: "1"\nowners: [t]\nservices: [payments]\nsteps:\n  - id: x\n    title: x\n    kind: action\n    needs: [nosuch]\n    action: { adapter: noop, input: {} }\n`);

let n = 0;
function load(yaml: string, extra: Partial<Parameters<typeof loadCampaignFile>[1]> = {}) {
  const file = path.join(dir, `c${++n}.yaml`);
  writeFileSync(file, yaml);
  return loadCampaignFile(file, { ...options, ...extra });
}

const head = `apiVersion: drillbook/v1
kind: Campaign
name: c
version: "1"
`;

test('the reference campaign validates, its phases pinned with their plans', async () => {
  const { campaign, diagnostics } = await loadCampaignFile('runbooks/campaigns/semiannual.yaml', options);
  expect(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
  expect(campaign!.phases.map((p) => [p.id, p.plan.runbook.name, p.mode, p.onFailure])).toEqual([
    ['verify-capacity', 'verify-dr-capacity', 'drill', 'pause'],
    ['failover', 'failover-to-dr', 'drill', 'pause'],
    ['restore', 'restore-primary', 'drill', 'pause'],
  ]);
});

test('a valid campaign gives a pinned input: params to the phases that take them, a hash, targets from the inventory', async () => {
  const yaml = `${head}phases:\n  - id: first\n    runbook: one.yaml\n  - id: second\n    runbook: one.yaml\n    onFailure: abort\n    figures: [go]\n`;
  const { campaign } = await load(yaml, { inventory: { file: 'inv.yaml', services: [{ name: 'payments', rtoMs: 30_000, rpoMs: 0 }] } });
  expect(campaign).toBeDefined();
  const { input, errors } = campaignInput(campaign!, { params: { base: 'http://x' }, initiator: 'alice', reason: 'H2', taskQueue: 'q' });
  expect(errors).toEqual([]);
  expect(input!.phases.map((p) => [p.id, p.run.params, p.onFailure, p.targets])).toEqual([
    ['first', { base: 'http://x' }, 'pause', { rtoMs: 30_000, rpoMs: 0, source: 'inventory' }],
    ['second', { base: 'http://x' }, 'abort', { rtoMs: 30_000, rpoMs: 0, source: 'inventory' }],
  ]);
  expect(input!.campaignHash).toMatch(/^[0-9a-f]{64}$/);
  // Other params, other pinned campaign.
  expect(campaignInput(campaign!, { params: { base: 'http://y' }, initiator: 'alice', reason: 'H2', taskQueue: 'q' }).input!.campaignHash).not.toBe(input!.campaignHash);
  expect(campaignInput(campaign!, { params: { nosuch: 1 }, initiator: 'a', reason: 'r', taskQueue: 'q' }).errors).toEqual([
    'phase "first": missing required param "base" (string)',
    'phase "second": missing required param "base" (string)',
    'unknown param "nosuch": no phase\'s runbook takes it',
  ]);
});

test.each([
  ['an unknown key', `${head}phases:\n  - id: a\n    runbok: one.yaml\n`, ['6:5 schema.missing_key', '7:5 schema.unknown_key']],
  ['a phase whose runbook is missing', `${head}phases:\n  - id: a\n    runbook: nosuch.yaml\n`, ['7:14 campaign.phase_runbook']],
  ['a phase whose runbook has errors', `${head}phases:\n  - id: a\n    runbook: broken.yaml\n`, ['7:14 campaign.phase_runbook']],
  ['a mode the runbook lacks', `${head}phases:\n  - id: a\n    runbook: one.yaml\n    mode: failover\n`, ['8:11 campaign.phase_mode']],
  ["the campaign's mode the runbook lacks", `${head}mode: failback\nphases:\n  - id: a\n    runbook: one.yaml\n`, ['7:5 campaign.phase_mode']],
  ['a param the runbook does not take', `${head}phases:\n  - id: a\n    runbook: one.yaml\n    params: { bse: x }\n`, ['8:15 campaign.phase_param']],
  ['a figure naming no step', `${head}phases:\n  - id: a\n    runbook: one.yaml\n    figures: [nosuch]\n`, ['8:15 campaign.unknown_figure']],
  ['two phases with one id', `${head}phases:\n  - id: a\n    runbook: one.yaml\n  - id: a\n    runbook: one.yaml\n`, ['8:9 step.duplicate_id']],
  ['an onFailure a phase cannot have', `${head}phases:\n  - id: a\n    runbook: one.yaml\n    onFailure: continue\n`, ['8:16 schema.invalid_value']],
  ['no phases', `${head}phases: []\n`, ['5:9 schema.invalid']],
  ['not a campaign', `apiVersion: drillbook/v1\nkind: Runbook\nname: c\nversion: "1"\nphases:\n  - { id: a, runbook: one.yaml }\n`, ['2:7 schema.invalid_value']],
])('%s is an error at the campaign\'s position', async (_what, yaml, expected) => {
  const { campaign, diagnostics } = await load(yaml);
  expect(campaign).toBeUndefined();
  expect(diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(expected);
});

test("a phase runbook's own errors name its file:line:col inside the campaign's diagnostic", async () => {
  const { diagnostics } = await load(`${head}phases:\n  - id: a\n    runbook: broken.yaml\n`);
  expect(diagnostics[0].file).toBe(path.join(dir, `c${n}.yaml`));
  expect(diagnostics[0].message).toContain(`phase "a": ${path.join(dir, 'broken.yaml')}:10:`);
  expect(diagnostics[0].message).toContain('nosuch');
});
