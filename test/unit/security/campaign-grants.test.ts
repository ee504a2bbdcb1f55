/** A campaign's grant of a phase: good only for that phase's runs, started by that campaign, with exactly the pinned run. */
import { generateKeyPairSync } from 'node:crypto';
import { phaseExecutionRunId, verifyAction, verifySignedStart, verifyStart } from '../../../src/plan/signed-actions';
import type { RunInput } from '../../../src/plan/types';
import { createActionSigner } from '../../../src/security/action-signer';

const signer = createActionSigner(generateKeyPairSync('ed25519').privateKey);
const trusted = [signer.trustedKey];
const run = {
  plan: { runbook: { name: 'rb', version: '1' }, services: ['payments'], steps: [] },
  planHash: 'h',
  mode: 'drill',
  params: { base: 'http://x' },
  initiator: 'alice',
  reason: 'r',
  taskQueue: 'q',
} as unknown as RunInput;
const granted: RunInput = { ...run, auth: signer.grantPhase('campaign-c-1', 'failover', run) };
const now = Date.now();

test('the phase run of its campaign verifies, retries included', () => {
  expect(verifyStart(trusted, 'campaign-c-1.failover', granted, now, 'campaign-c-1')).toBeUndefined();
  expect(verifyStart(trusted, phaseExecutionRunId('campaign-c-1', 'failover', 3), granted, now, 'campaign-c-1')).toBeUndefined();
  // No freshness: a phase may start hours after the campaign was admitted.
  expect(verifyStart(trusted, 'campaign-c-1.failover', granted, now + 24 * 3600_000, 'campaign-c-1')).toBeUndefined();
});

test.each<[string, string, RunInput, string | undefined, RegExp]>([
  ['started by no campaign (straight on Temporal)', 'campaign-c-1.failover', granted, undefined, /started by no campaign/],
  ['started by another campaign', 'campaign-c-1.failover', granted, 'campaign-c-2', /started by campaign-c-2/],
  ['as another phase', 'campaign-c-1.restore', granted, 'campaign-c-1', /is for run campaign-c-1.failover/],
  ['under a look-alike id', 'campaign-c-1.failover-x', granted, 'campaign-c-1', /is for run/],
  ['with other params', 'campaign-c-1.failover', { ...granted, params: { base: 'http://evil' } }, 'campaign-c-1', /does not match/],
  ['in another mode', 'campaign-c-1.failover', { ...granted, mode: 'failover' }, 'campaign-c-1', /does not match/],
])('refused: %s', (_what, runId, input, parent, refusal) => {
  expect(verifyStart(trusted, runId, input, now, parent)).toMatch(refusal);
});

test("a campaign's start is signed as a campaign: a run's start signature does not start it, nor the reverse", () => {
  const input = { campaign: { name: 'c' }, phases: [] };
  const asCampaign = { ...input, auth: signer.signAction('campaign', 'campaign-c-1', input) };
  const asRun = { ...input, auth: signer.signAction('start', 'campaign-c-1', input) };
  expect(verifySignedStart(trusted, 'campaign', 'campaign-c-1', asCampaign, now)).toBeUndefined();
  expect(verifySignedStart(trusted, 'campaign', 'campaign-c-1', asRun, now)).toMatch(/does not match/);
  expect(verifySignedStart(trusted, 'start', 'campaign-c-1', asCampaign, now)).toMatch(/does not match/);
  expect(verifySignedStart(trusted, 'campaign', 'campaign-c-2', asCampaign, now)).toMatch(/does not match/);
});

test("a campaign's abort verifies for the campaign only (what a phase checks against its parent)", () => {
  const abort = { reason: 'stop', actor: 'bob' };
  const signed = { ...abort, auth: signer.signAction('abort', 'campaign-c-1', abort) };
  expect(verifyAction(trusted, 'abort', 'campaign-c-1', signed, now)).toBeUndefined();
  expect(verifyAction(trusted, 'abort', 'campaign-c-1.failover', signed, now)).toMatch(/does not match/);
});
