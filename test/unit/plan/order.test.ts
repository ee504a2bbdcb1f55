import { dryRunOrder } from '../../../src/plan/order';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';

const yaml = `
apiVersion: drillbook/v1
name: order
version: "1"
owners: [sre]
services: [core]
modes: [drill, failover]
params:
  switchDns: { type: boolean, default: true }
prechecks:
  - { id: p1, title: P1, probe: { adapter: noop }, expect: "true" }
  - { id: p2, title: P2, probe: { adapter: noop }, expect: "true" }
steps:
  - { id: a, title: A, kind: wait, duration: 1s }
  - { id: b, title: B, kind: wait, duration: 1s }
  - { id: promote, title: Promote, kind: wait, duration: 1s, needs: [a, b], when: "mode == 'failover'" }
  - { id: dns, title: DNS, kind: wait, duration: 1s, needs: [promote], when: "params.switchDns" }
  - { id: verify, title: Verify, kind: wait, duration: 1s, needs: [dns] }
  - { id: cleanup, title: Cleanup, kind: wait, duration: 1s, needs: [a], when: "steps.a.status == 'completed'" }
`;
const { plan, diagnostics } = loadRunbookText(yaml, 'order.yaml', { registry: adapterRegistry });

describe('dryRunOrder', () => {
  it('compiles', () => {
    expect(diagnostics).toEqual([]);
  });

  it('gives waves of parallel steps, pre-checks first', () => {
    expect(dryRunOrder(plan!, 'failover', { switchDns: true })).toEqual({
      waves: [['p1', 'p2'], ['a', 'b'], ['promote', 'cleanup'], ['dns'], ['verify']],
      skipped: [],
      decidedAtRunTime: [{ id: 'cleanup', reason: "decided at run time: when steps.a.status == 'completed'" }],
      errors: [],
    });
  });

  it('skips steps whose when is false; what needs them moves up', () => {
    const order = dryRunOrder(plan!, 'drill', { switchDns: false });
    expect(order.waves).toEqual([['p1', 'p2'], ['a', 'b'], ['verify', 'cleanup']]);
    expect(order.skipped).toEqual([
      { id: 'promote', reason: "when mode == 'failover' is false" },
      { id: 'dns', reason: 'when params.switchDns is false' },
    ]);
  });

  it('refuses a mode the runbook does not declare', () => {
    expect(dryRunOrder(plan!, 'failback', {}).errors).toEqual(["mode \"failback\" is not one of this runbook's modes (drill, failover)"]);
  });
});
