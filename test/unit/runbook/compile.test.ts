import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalPlanJson } from '../../../src/plan/canonical';
import type { ApprovalStep, CheckStep, PlanStep } from '../../../src/plan/types';
import { DEFAULT_RETRY, planHash } from '../../../src/runbook/compile';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookFile, loadRunbookText } from '../../../src/runbook/load';

const FIXTURE = path.join(__dirname, '../../fixtures/runbooks/valid/failover-payments.yaml');

describe('compile', () => {
  const { plan, planHash: hash, diagnostics } = loadRunbookFile(FIXTURE, { registry: adapterRegistry });
  const step = (id: string): PlanStep => plan!.steps.find((s) => s.id === id)!;

  it('loads without diagnostics and hashes the canonical plan without source', () => {
    expect(diagnostics).toEqual([]);
    expect(hash).toBe(planHash(plan!));
    expect(canonicalPlanJson(plan!)).not.toMatch(/"source":\{"(col|file)"/);
    expect(plan!.source).toEqual({ file: FIXTURE });
  });

  it('carries the runbook header, objectives in ms, params sorted with required derived', () => {
    expect(plan).toMatchObject({
      planVersion: 1,
      runbook: { name: 'failover-payments', version: '2.1', owners: ['infra-payments@bank.example', 'dba@bank.example'] },
      services: ['payments', 'payments-db'],
      objectives: { rtoMs: 300_000, rpoMs: 0 },
      modes: ['drill', 'failover'],
    });
    expect(plan!.params).toEqual([
      { name: 'announce', type: 'boolean', required: false, default: true },
      { name: 'apiToken', type: 'secret', required: false, default: 'env:DRILLBOOK_SECRET_PAYMENTS_API_TOKEN' },
      { name: 'maxLagBytes', type: 'number', required: false, default: 1048576 },
      { name: 'siteB', type: 'string', description: "Base URL of the DR site's API", required: true },
    ]);
  });

  it('puts pre-checks first, and makes every main step need them', () => {
    expect(plan!.steps.map((s) => `${s.phase}:${s.id}`)).toEqual([
      'precheck:dr-healthy',
      'main:announce',
      'main:approve',
      'main:lag-ok',
      'main:switch-traffic',
      'main:soak',
      'main:confirm-dashboards',
      'main:done',
    ]);
    expect(step('dr-healthy').needs).toEqual([]);
    expect(step('announce').needs).toEqual(['dr-healthy']);
    expect(step('soak').needs).toEqual(['dr-healthy', 'switch-traffic']);
  });

  it('compiles fields: durations, retry defaults, expressions, reads, source', () => {
    const sw = step('switch-traffic');
    expect(sw).toMatchObject({
      kind: 'action',
      timeoutMs: 90_000,
      retry: { maxAttempts: 3, initialIntervalMs: 2000, backoffCoefficient: 2, maxIntervalMs: 10_000 },
      onFailure: 'abort',
      site: 'site-b',
      marks: ['rto.start'],
      evidence: ['status', 'json.site'],
      reads: ['lag-ok'],
      when: { source: "mode == 'failover'" },
      source: { line: 59, col: 5 },
    });
    expect(sw.compensate?.adapter).toBe('http');
    expect(step('announce')).toMatchObject({ kind: 'notify', notify: { adapter: 'notify' }, retry: DEFAULT_RETRY, onFailure: 'pause' });
    const lag = step('lag-ok') as CheckStep;
    expect(lag.until).toEqual({ withinMs: 120_000, everyMs: 5_000 });
    expect(lag.expect.source).toBe('output.lagBytes <= params.maxLagBytes');
    expect(lag.evidence).toEqual(['*']);
    expect(step('done').reads).toEqual(['switch-traffic']);
    expect(step('soak')).toMatchObject({ kind: 'wait', durationMs: 5_400_000 });
    expect(step('confirm-dashboards')).toMatchObject({
      kind: 'manual',
      evidenceFields: [
        { name: 'screenshot', description: 'Link to the dashboard screenshot', required: true },
        { name: 'note', required: false },
      ],
    });
    const approve = step('approve') as ApprovalStep;
    expect(approve).toMatchObject({ kind: 'approval', role: 'duty-manager', approvers: 2, approvalTimeoutMs: 1_800_000, timeoutMs: 1_800_000 });
  });

  it('produces a JSON-safe plan (it travels as a workflow argument)', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('gives no plan when there are errors, and the plan despite warnings', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    expect(loadRunbookText(text.replace('needs: [approve]', 'needs: [aprove]'), 'x.yaml', { registry: adapterRegistry }).plan).toBeUndefined();
    const warned = loadRunbookText(text.replace('marks: [rpo.measure]', ''), 'x.yaml', { registry: adapterRegistry });
    expect(warned.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(warned.plan).toBeDefined();
  });

  it('reports an unreadable file as a diagnostic', () => {
    expect(loadRunbookFile('/nonexistent/runbook.yaml', { registry: adapterRegistry }).diagnostics[0]).toMatchObject({ code: 'file.unreadable', line: 1, col: 1 });
  });
});
