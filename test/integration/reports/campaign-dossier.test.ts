/**
 * A campaign's dossier and `watch` on a campaign, on a real campaign (real API, dev server, worker,
 * audit database) of noop runbooks — no lab needed: the figures are what each phase's run recorded.
 * `report dossier --campaign` renders it as HTML (the phases on one inline SVG timeline, a section per
 * phase with its run's dossier inside), PDF (printed by Chromium) and JSON; the API serves the same
 * to an auditor; bad input (an unknown id, a plain run's id, conflicting flags) writes nothing.
 * `watch <campaign-id>` follows the campaign live and exits by its verdict.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { startTestApi, type TestApi } from '../../support/api';
import { cliEnv, runCli } from '../../support/cli';
import { startWorkflowHarness, type WorkflowHarness } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';

let harness: WorkflowHarness;
let db: Kysely<Database>;
let api: TestApi;
const tokens: Record<string, string> = {};

const runbook = (name: string, steps: string) => `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 30s, rpo: 0s }
modes: [drill]
steps:
${steps}`;
const noop = (id: string, extra = '', output = '{}') => `  - { id: ${id}, title: ${id}, kind: action, action: { adapter: noop, input: { output: ${output} } }${extra} }\n`;
const switchover = runbook('dossier-switch', noop('fence', ', marks: [rto.start]') + noop('switch', ', needs: [fence], marks: [rto.end]') + noop('measure', ', needs: [switch], marks: [rpo.measure]', '{ rpoMs: 0 }'));
const capacity = runbook('dossier-capacity',
  noop('capacity-primary', '', '{ json: { peakConnections: 4 } }') + noop('capacity-dr', '', '{ json: { maxConnections: 10 } }') +
  noop('dr-capacity-covers-peak', ', needs: [capacity-primary, capacity-dr]', '{ problem: null, ratio: 1 }'));
const slow = runbook('dossier-slow', '  - { id: hold, title: hold, kind: wait, duration: 3s }\n');
const campaign = (name: string, phases: string) => `apiVersion: drillbook/v1\nkind: Campaign\nname: ${name}\nversion: "1"\nphases:\n${phases}`;

async function call(method: string, url: string, who: string, body?: unknown) {
  const response = await fetch(`${api.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

async function startCampaign(text: string, runbooks: Record<string, string>): Promise<string> {
  const started = await call('POST', '/api/campaigns', 'olga', { campaign: text, runbooks, reason: 'dossier test' });
  expect(started.status).toBe(201);
  return JSON.parse(started.text).campaignId as string;
}

let campaignId: string;

beforeAll(async () => {
  harness = await startWorkflowHarness('campaign-dossier');
  db = harness.db;
  api = await startTestApi(db, harness.client, harness.taskQueue);
  const suffix = Math.random().toString(16).slice(2, 8);
  tokens.olga = await api.tokenFor(`olga-${suffix}`, ['operator']);
  tokens.audrey = await api.tokenFor(`audrey-${suffix}`, ['auditor']);
  campaignId = await startCampaign(
    campaign('dossier-campaign', '  - { id: failover, runbook: switch.yaml }\n  - { id: verify-capacity, runbook: capacity.yaml, figures: [capacity-primary, capacity-dr, dr-capacity-covers-peak] }\n  - { id: restore, runbook: switch.yaml }\n'),
    { 'switch.yaml': switchover, 'capacity.yaml': capacity },
  );
  await waitFor(async () => JSON.parse((await call('GET', `/api/campaigns/${campaignId}`, 'audrey')).text).campaign?.verdict === 'pass', 60_000);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

test('report dossier --campaign: HTML with the phases on one SVG timeline and a section per phase holding its run dossier', async () => {
  const html = await runCli(['report', 'dossier', '--campaign', campaignId, '--format', 'html'], { env: cliEnv(db) });
  expect(html.stderr).toBe('');
  expect(html.code).toBe(0);
  const page = html.stdout;
  expect(page).toMatch(/^<!doctype html>/);
  expect(page).toContain(`<h1>Campaign dossier: ${campaignId}</h1>`);
  // The header: name, version, hash, mode, initiator, verdict.
  expect(page).toMatch(/<td>Campaign<\/td><td>dossier-campaign 1<\/td>/);
  expect(page).toMatch(/<td>Campaign hash<\/td><td><code>[0-9a-f]{64}<\/code>/);
  expect(page).toMatch(/<td>Verdict<\/td><td><strong>pass<\/strong>/);
  expect(page).toMatch(/<td>Initiator<\/td><td>olga-/);
  // One timeline, inline (no external asset), one bar per phase in order.
  expect(page.match(/<svg class="campaign-timeline"/g)).toHaveLength(1);
  expect([...page.matchAll(/<rect class="phase-bar" data-phase="([^"]+)"/g)].map((m) => m[1])).toEqual(['failover', 'verify-capacity', 'restore']);
  expect(page).not.toMatch(/<(img|script|link)\b|src="http/);
  // A section per phase, each with its run's dossier inside (the run dossier's own sections).
  const sections = [...page.matchAll(/<section class="phase" data-phase="([^"]+)" data-execution="(\d+)">([\s\S]*?)<\/section>/g)];
  expect(sections.map((m) => m[1])).toEqual(['failover', 'verify-capacity', 'restore']);
  for (const [, phase, , body] of sections) {
    expect(body).toContain(`<h3>Drill dossier: run ${campaignId}.${phase}</h3>`);
    expect(body).toContain('<h4>RTO / RPO</h4>');
    expect(body).toContain('<svg class="timeline"');
  }
  // The capacity phase's figures as one ratio: DR 10 connections over the primary's peak 4.
  expect(sections[1][3]).toContain("DR 10 connections / primary&#39;s peak 4 = 2.5x (required 1x): covered");
});

test('report dossier --campaign: JSON figures from the trail, and a PDF', async () => {
  const json = await runCli(['report', 'dossier', '--campaign', campaignId, '--json'], { env: cliEnv(db) });
  expect(json.code).toBe(0);
  const d = JSON.parse(json.stdout);
  expect(d).toMatchObject({ report: 'campaign-dossier', campaignId, summary: { campaign: 'dossier-campaign', version: '1', mode: 'drill', status: 'completed', verdict: 'pass' }, integrity: { ok: true } });
  expect(d.phases.map((p: { phaseId: string; state: string; verdict: string }) => [p.phaseId, p.state, p.verdict])).toEqual([['failover', 'completed', 'pass'], ['verify-capacity', 'completed', 'pass'], ['restore', 'completed', 'pass']]);
  expect(d.phases[0].rto).toMatchObject({ targetMs: 30_000, attainment: 'met' });
  expect(d.phases[0].rpo).toEqual({ achievedMs: 0, targetMs: 0, attainment: 'met' });
  expect(d.capacity).toMatchObject({ primaryPeakConnections: 4, drMaxConnections: 10, ratio: 2.5, covered: true });
  expect(d.totals.rtoMs).toBe(d.phases[0].rto.achievedMs + d.phases[2].rto.achievedMs);
  expect(d.totals.durationMs).toBeGreaterThanOrEqual(d.phases.reduce((s: number, p: { durationMs: number }) => s + p.durationMs, 0));
  expect(d.dossiers.map((x: { runId: string }) => x.runId)).toEqual(['failover', 'verify-capacity', 'restore'].map((p) => `${campaignId}.${p}`));

  const out = path.join(mkdtempSync(path.join(tmpdir(), 'campaign-dossier-')), 'campaign.pdf');
  const pdf = await runCli(['report', 'dossier', '--campaign', campaignId, '--format', 'pdf', '--out', out], { env: cliEnv(db) });
  expect(pdf.code).toBe(0);
  expect(pdf.stderr).toContain(`campaign dossier (pdf) written to ${out}`);
  expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
}, 90_000);

test('report dossier --campaign: bad input is refused with a clear error and writes nothing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'campaign-dossier-bad-'));
  const out = path.join(dir, 'x.html');
  const env = cliEnv(db);
  const unknown = await runCli(['report', 'dossier', '--campaign', 'campaign-nosuch-00000000', '--out', out], { env });
  expect(unknown).toMatchObject({ code: 4, stdout: '' });
  expect(unknown.stderr).toContain('no campaign campaign-nosuch-00000000 in the audit trail');
  const plainRun = await runCli(['report', 'dossier', '--campaign', `${campaignId}.failover`, '--out', out], { env });
  expect(plainRun.code).toBe(4);
  expect(plainRun.stderr).toContain(`${campaignId}.failover is a run of runbook dossier-switch, not a campaign`);
  const both = await runCli(['report', 'dossier', `${campaignId}.failover`, '--campaign', campaignId, '--out', out], { env });
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/a run id .* or --campaign, not both/);
  const csv = await runCli(['report', 'dossier', '--campaign', campaignId, '--format', 'csv', '--out', out], { env });
  expect(csv.code).toBe(2);
  expect(csv.stderr).toContain('a campaign dossier is one of html, pdf, json, not csv');
  expect((await runCli(['report', 'dossier', '--campaign', campaignId, '--format', 'pdf'], { env })).code).toBe(2);
  expect((await runCli(['report', 'dossier'], { env })).code).toBe(2);
  expect(existsSync(out)).toBe(false);
});

test('the API serves the campaign dossier to an auditor, as JSON and as a file; unknown ids and plain runs are 404', async () => {
  const json = await call('GET', `/api/campaigns/${campaignId}/dossier`, 'audrey');
  expect(json.status).toBe(200);
  expect(JSON.parse(json.text)).toMatchObject({ report: 'campaign-dossier', campaignId, summary: { verdict: 'pass' } });
  const html = await call('GET', `/api/campaigns/${campaignId}/dossier/download?format=html`, 'audrey');
  expect(html.status).toBe(200);
  expect(html.type).toMatch(/^text\/html/);
  expect(html.text.match(/<section class="phase"/g)).toHaveLength(3);
  expect((await call('GET', '/api/campaigns/campaign-nosuch-00000000/dossier', 'audrey')).status).toBe(404);
  expect((await call('GET', `/api/campaigns/${campaignId}.failover/dossier`, 'audrey')).status).toBe(404);
  expect((await call('GET', `/api/campaigns/${campaignId}/dossier/download?format=csv`, 'audrey')).status).toBe(400);
});

test('watch <campaign-id> follows a campaign live (its phases, the running phase\'s steps) and exits by its verdict', async () => {
  const env = { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.audrey };
  const id = await startCampaign(campaign('watched-campaign', '  - { id: first, runbook: slow.yaml }\n  - { id: second, runbook: slow.yaml }\n'), { 'slow.yaml': slow });
  await waitFor(async () => JSON.parse((await call('GET', `/api/campaigns/${id}`, 'audrey')).text).campaign?.phases?.[0]?.state === 'running');
  const once = await runCli(['watch', id, '--once'], { env });
  expect(once.code).toBe(9);
  expect(once.stdout).toMatch(new RegExp(`^campaign ${id} \\(watched-campaign\\): running`));
  const live = await runCli(['watch', id, '--interval', '200'], { env });
  expect(live.stderr).toBe('');
  expect(live.code).toBe(0);
  // Screens while it ran: the running phase's run and its steps, under the campaign's lines.
  expect(live.stdout).toMatch(/ {2}phase (first|second):\n {4}run campaign-watched-campaign-[0-9a-f]{8}\.(first|second) — dossier-slow \(drill\)/);
  expect(live.stdout).toMatch(/ {6}. hold +/);
  expect(live.stdout).toMatch(new RegExp(`campaign ${id} \\(watched-campaign\\): completed, verdict pass\\n {2}first +completed[^\\n]*\\n {2}second +completed`));
  // An ended campaign: its final state at once, and as JSON.
  const ended = await runCli(['watch', id, '--json'], { env });
  expect(ended.code).toBe(0);
  expect(JSON.parse(ended.stdout)).toMatchObject({ ended: true, campaign: { campaignId: id, state: 'completed', verdict: 'pass' } });
  // The capacity check's figures as one ratio on its phase's line.
  const capacity = await runCli(['watch', campaignId], { env });
  expect(capacity.code).toBe(0);
  expect(capacity.stdout).toMatch(/ {2}verify-capacity +completed .*  capacity DR 10 connections \/ primary's peak 4 = 2\.5x \(required 1x\): covered\n/);
  // Runs still watch as runs; an unknown id is not found.
  expect((await runCli(['watch', `${campaignId}.failover`, '--once'], { env })).code).toBe(0);
  expect((await runCli(['watch', 'nosuch-run-id', '--once'], { env })).code).toBe(4);
}, 60_000);
