/**
 * Coverage over a seeded history, as of 20 May 2026 in Seoul (H1 ends 1 July 00:00 KST), against
 * expectations written out by hand: drilled / due / overdue, due soon, changed since the drill
 * (runbook hash, inventory entry), and objective mismatches.
 */
import { computeCoverage, coverageNotices, type CoverageRun, type CoverageService } from '../../../src/coverage/compute';
import { periodContaining } from '../../../src/coverage/periods';

const d = (iso: string) => new Date(iso);
const rb = (name: string, planHash: string, rtoMs = 60_000) => ({ name, planHash, objectives: { rtoMs } });
const svc = (name: string, extra: Partial<CoverageService> = {}): CoverageService => ({
  name,
  owner: `${name}-team`,
  notify: null,
  cadence: 'half-yearly',
  rtoMs: 60_000,
  rpoMs: 0,
  firstAppliedAt: d('2024-01-01T00:00:00Z'),
  entryChangedAt: d('2024-01-01T00:00:00Z'),
  runbooks: [rb(`${name}-dr`, 'h1')],
  ...extra,
});
const run = (runId: string, service: string, endedAt: string, extra: Partial<CoverageRun> = {}): CoverageRun => ({
  runId,
  runbookName: `${service}-dr`,
  planHash: 'h1',
  mode: 'drill',
  services: [service],
  status: 'completed',
  verdict: 'pass',
  endedAt: d(endedAt),
  ...extra,
});

const asOf = d('2026-05-20T03:00:00Z');
const options = { asOf, timeZone: 'Asia/Seoul', dueWithinMs: 45 * 86_400_000 };

test('half-year periods start at local midnight in the programme time zone', () => {
  const p = periodContaining('half-yearly', asOf, 'Asia/Seoul');
  expect(p).toEqual({ id: '2026-H1', start: d('2025-12-31T15:00:00Z'), end: d('2026-06-30T15:00:00Z') });
  expect(periodContaining('quarterly', asOf, 'UTC').id).toBe('2026-Q2');
  // 23:30 UTC on 30 June is already 1 July in Seoul: the second half.
  expect(periodContaining('half-yearly', d('2026-06-30T23:30:00Z'), 'Asia/Seoul').id).toBe('2026-H2');
});

test('drilled, due, overdue, due soon and changed since drill', () => {
  const services = [
    svc('alpha'), // drilled in H1
    svc('bravo'), // drilled in 2025-H2 only: due, and due soon (41 days left < 45)
    svc('charlie'), // nothing since 2025-H1: overdue
    svc('delta', { firstAppliedAt: d('2026-03-01T00:00:00Z') }), // new this half: due, never overdue
    svc('echo', { runbooks: [rb('echo-dr', 'h2')] }), // drilled, but the runbook changed since
    svc('foxtrot', { entryChangedAt: d('2026-04-01T00:00:00Z') }), // drilled in Feb, entry changed in April
    svc('golf', { cadence: 'yearly', runbooks: [rb('golf-dr', 'h1', 90_000)] }), // yearly: 2025 drill counts for nothing in 2026
  ];
  const runs = [
    run('a1', 'alpha', '2026-02-10T01:00:00Z'),
    // A failed drill and a partial one never count.
    run('a0', 'alpha', '2026-03-10T01:00:00Z', { verdict: 'fail', status: 'aborted' }),
    run('b1', 'bravo', '2025-09-01T01:00:00Z'),
    run('b2', 'bravo', '2026-04-01T01:00:00Z', { verdict: 'partial' }),
    run('c1', 'charlie', '2025-03-01T01:00:00Z'),
    // The last minute of 2025-H2 in Seoul is 15:00 UTC 31 Dec: this one is in 2026-H1.
    run('e1', 'echo', '2025-12-31T15:30:00Z'),
    run('f1', 'foxtrot', '2026-02-01T00:00:00Z'),
    run('g1', 'golf', '2025-11-01T00:00:00Z'),
    // After asOf: not yet.
    run('c2', 'charlie', '2026-06-01T00:00:00Z'),
  ];
  const report = computeCoverage(services, runs, options);
  const byName = Object.fromEntries(report.map((r) => [r.service, r]));
  expect(report.map((r) => [r.service, r.status, r.dueSoon, r.changedSinceDrill])).toEqual([
    ['alpha', 'drilled', false, false],
    ['bravo', 'due', true, false],
    ['charlie', 'overdue', false, false],
    ['delta', 'due', true, false],
    ['echo', 'drilled', false, true],
    ['foxtrot', 'drilled', false, true],
    ['golf', 'due', false, false],
  ]);
  expect(byName.alpha.drilledBy).toBe('a1');
  expect(byName.bravo.daysLeft).toBe(41);
  expect(byName.bravo.lastDrill?.runId).toBe('b1');
  expect(byName.echo.changes[0]).toContain('runbook "echo-dr" changed since drill e1');
  expect(byName.foxtrot.changes[0]).toContain('inventory entry changed 2026-04-01T00:00:00.000Z, after drill f1');
  expect(byName.golf.deadline).toBe('2026-12-31T15:00:00.000Z');
  expect(byName.golf.objectiveMismatches).toMatchObject([{ objective: 'rto', runbookMs: 90_000, inventoryMs: 60_000, runbook: 'golf-dr' }]);
  expect(coverageNotices(report).map((n) => [n.service, n.kind])).toEqual([
    ['bravo', 'due-soon'],
    ['charlie', 'overdue'],
    ['delta', 'due-soon'],
  ]);
});

test('changed since last pass: the newest run or registration of a passed runbook in another version flags the service', () => {
  const pass = (runId: string, version: string, planHash: string) => ({ runId, version, planHash, endedAt: d('2026-02-01T00:00:00Z') });
  const services = [
    // The runbook ran as 1.1 after its 1.0 pass (the drill failed): changed since the last pass.
    svc('alpha', { sinceLastPass: [{ runbook: 'alpha-dr', lastPass: pass('a1', '1.0', 'h1'), latest: { source: 'run', ref: 'a2', version: '1.1', planHash: 'h2', at: d('2026-03-01T00:00:00Z') } }] }),
    // Registered again in the version that passed: no change.
    svc('bravo', { sinceLastPass: [{ runbook: 'bravo-dr', lastPass: pass('b1', '1.0', 'h1'), latest: { source: 'registration', ref: 'req-1', version: '1.0', planHash: 'h1', at: d('2026-03-01T00:00:00Z') } }] }),
    // Nothing since its pass.
    svc('charlie', { sinceLastPass: [{ runbook: 'charlie-dr', lastPass: pass('c1', '1.0', 'h1'), latest: null }] }),
  ];
  const runs = [run('a1', 'alpha', '2026-02-01T00:00:00Z'), run('b1', 'bravo', '2026-02-01T00:00:00Z'), run('c1', 'charlie', '2026-02-01T00:00:00Z')];
  const report = computeCoverage(services, runs, options);
  expect(report.map((r) => [r.service, r.changedSinceLastPass, r.changedSinceDrill])).toEqual([['alpha', true, true], ['bravo', false, false], ['charlie', false, false]]);
  expect(report[0].runbookChanges).toEqual([{
    runbook: 'alpha-dr',
    lastPass: { runId: 'a1', version: '1.0', planHash: 'h1', endedAt: '2026-02-01T00:00:00.000Z' },
    current: { source: 'run', ref: 'a2', version: '1.1', planHash: 'h2', at: '2026-03-01T00:00:00.000Z' },
  }]);
  expect(report[0].changes).toEqual(['runbook "alpha-dr" ran as 1.1 in a2 (2026-03-01T00:00:00.000Z, plan h2) since its last passing drill a1 of 1.0 (plan h1)']);
});
