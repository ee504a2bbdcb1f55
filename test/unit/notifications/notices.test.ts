/**
 * The pure parts of notifications: which events notify and as what, whose webhook, the three bodies,
 * what of a URL may be written down, and the RTO clock of a live run.
 */
import { rtoBreachAlert, rtoClock } from '../../../src/coverage/run-thresholds';
import { notificationBody } from '../../../src/notifications/bodies';
import { noticeOf, type TrailEvent } from '../../../src/notifications/kinds';
import { targetByName, targetsFor, urlOrigin, type TargetDirectory } from '../../../src/notifications/targets';
import type { Json } from '../../../src/plan/types';

const run = { runbook: 'failover-to-dr', services: ['payments'], mode: 'drill' };
const at = new Date('2026-12-05T10:00:00Z');
const ev = (type: string, data: Json, stepId: string | null = 'step-1'): TrailEvent => ({ key: `r1/${type}`, type, runId: 'r1', stepId, at, data });

test('each notifying event type maps to its kind; others, green readiness and self-delivered alerts make none', () => {
  expect(noticeOf(ev('step.waiting', { kind: 'manual', role: 'operator' }), run)).toMatchObject({ kind: 'waiting', details: { waitingFor: 'manual' } });
  expect(noticeOf(ev('approval.requested', { role: 'approver', approvers: 2 }), run)).toMatchObject({ kind: 'waiting', details: { waitingFor: 'approval', approvers: 2 } });
  expect(noticeOf(ev('step.failed', { error: 'boom', onFailure: 'pause' }), run)).toMatchObject({ kind: 'step-failed', message: 'payments: run r1: step "step-1" failed: boom' });
  expect(noticeOf(ev('run.paused', { guard: 'g', error: 'down' }, null), run)).toMatchObject({ kind: 'paused', message: expect.stringContaining('on guard "g"') });
  expect(noticeOf(ev('guard.violated', { guard: 'g', error: 'down', onViolation: 'abort' }, null), run)).toMatchObject({ kind: 'guard-tripped' });
  expect(noticeOf(ev('alert.raised', { kind: 'rto-breach', message: 'late', delivered: false }), run)).toMatchObject({ kind: 'alert', message: 'late', details: { alert: 'rto-breach' } });
  expect(noticeOf(ev('alert.raised', { kind: 'rto-share', message: 'late', delivered: true }), run)).toBeUndefined();
  expect(noticeOf(ev('run.aborted', { verdict: 'fail', rtoMs: 1500, rpoMs: 0 }, null), run)).toMatchObject({ kind: 'ended', message: expect.stringMatching(/ended aborted, verdict fail, RTO 1s500ms, RPO 0s$/), details: { state: 'aborted' } });
  expect(noticeOf(ev('step.completed', {}), run)).toBeUndefined();
  const readiness = (ready: boolean) => ({ ...ev('readiness.changed', { service: 'payments', runbook: 'dr', ready, failing: { check: 'c' } }, null), runId: null });
  expect(noticeOf(readiness(false), undefined)).toMatchObject({ kind: 'readiness-red', services: ['payments'], runbook: 'dr', runId: null });
  expect(noticeOf(readiness(true), undefined)).toBeUndefined();
});

test("targets: each service's own webhook (one per URL), else the inventory's; none, nowhere", () => {
  const dir: TargetDirectory = {
    services: new Map([
      ['a', { notify: 'https://hooks.example/a/SECRET', format: 'slack' as const }],
      ['b', { notify: 'https://hooks.example/a/SECRET' }],
      ['c', { notify: null }],
    ]),
    webhook: 'https://chat.example/all',
    format: 'teams',
  };
  expect(targetsFor(['a', 'b'], dir)).toEqual([{ name: 'service:a', url: 'https://hooks.example/a/SECRET', format: 'slack' }]);
  expect(targetsFor(['c'], dir)).toEqual([{ name: 'inventory', url: 'https://chat.example/all', format: 'teams' }]);
  expect(targetsFor(['c'], { ...dir, webhook: null })).toEqual([]);
  expect(targetByName('service:b', dir)?.format).toBe('teams');
  expect(targetByName('service:gone', dir)).toBeUndefined();
  expect(urlOrigin('https://user:pw@hooks.slack.com:8443/services/T/B/XYZ?token=1')).toBe('https://hooks.slack.com:8443');
});

test('bodies: json with a link to the run, Slack text and blocks (escaped), a Teams Adaptive Card', () => {
  const notice = noticeOf(ev('step.failed', { error: 'a < b & c' }), run)!;
  expect(notificationBody('json', notice, 'https://drillbook.example/')).toMatchObject({ kind: 'step-failed', service: 'payments', runId: 'r1', link: 'https://drillbook.example/console/#/runs/r1' });
  expect(notificationBody('json', notice)).toMatchObject({ link: null });
  const slack = notificationBody('slack', notice, 'https://drillbook.example') as { text: string; blocks: { type: string; text?: { text: string } }[] };
  expect(slack.text).toContain('a < b & c');
  expect(slack.blocks[0].text!.text).toContain('a &lt; b &amp; c');
  expect(slack.blocks.map((b) => b.type)).toEqual(['section', 'context', 'section']);
  const teams = notificationBody('teams', notice) as { attachments: { content: { type: string; actions?: unknown } }[] };
  expect(teams.attachments[0].content.type).toBe('AdaptiveCard');
  expect(teams.attachments[0].content.actions).toBeUndefined();
});

test('the RTO clock starts at the first rto.start step and stops when an rto.end step completes', () => {
  const marks = { start: new Set(['switch']), end: new Set(['verify']) };
  const events = [
    { type: 'step.started', stepId: 'prep', at: new Date(1_000) },
    { type: 'step.started', stepId: 'switch', at: new Date(5_000) },
  ];
  const clock = rtoClock('r1', 0, marks, events);
  expect(clock).toEqual({ runId: 'r1', startedAtMs: 5_000, ended: false });
  expect(rtoBreachAlert(clock, 10_000, 14_999, 'payments')).toBeUndefined();
  expect(rtoBreachAlert(clock, 10_000, 15_000, 'payments')).toMatchObject({ key: 'r1/-/alert/rto-breach', kind: 'rto-breach', data: { elapsedMs: 10_000, limitMs: 10_000 } });
  const ended = rtoClock('r1', 0, marks, [...events, { type: 'step.completed', stepId: 'verify', at: new Date(6_000) }]);
  expect(rtoBreachAlert(ended, 10_000, 60_000, 'payments')).toBeUndefined();
  // Not started yet: no clock; no marks at all: the run's start.
  expect(rtoBreachAlert(rtoClock('r1', 0, marks, []), 10_000, 60_000, 'payments')).toBeUndefined();
  expect(rtoClock('r1', 7, { start: new Set(), end: new Set() }, []).startedAtMs).toBe(7);
});
