/**
 * A campaign schedule's grant (src/schedules/campaign-spec.ts): it starts exactly the pinned campaign,
 * as `schedule:<id>`, drills only; each phase's run carries the schedule's grant of it, which the run
 * verifies as a scheduled drill's.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CampaignInput } from '../../../src/plan/campaign';
import { verifyScheduledCampaignStart, verifyStart } from '../../../src/plan/signed-actions';
import type { RunInput } from '../../../src/plan/types';
import { createActionSigner } from '../../../src/security/action-signer';

const signer = createActionSigner(generateKeyPairSync('ed25519').privateKey);
const trusted = [signer.trustedKey];
const run = {
  plan: { runbook: { name: 'rb', version: '1' }, services: ['payments'], steps: [] },
  planHash: 'h',
  mode: 'drill',
  params: { base: 'http://x' },
  initiator: 'schedule:campaign-c',
  reason: 'r',
  taskQueue: 'q',
} as unknown as RunInput;
const phaseRun: RunInput = { ...run, auth: signer.grantSchedule('campaign-c', 'payments', run) };
const unsigned = {
  campaign: { name: 'c', version: '1', file: 'c.yaml' },
  campaignHash: 'ch',
  mode: 'drill',
  phases: [{ id: 'one', title: 'one', runbookFile: 'rb.yaml', onFailure: 'pause', figures: [], targets: { source: 'runbook' }, run: phaseRun }],
  initiator: 'schedule:campaign-c',
  reason: 'r',
  taskQueue: 'q',
} as unknown as CampaignInput;
const granted: CampaignInput = { ...unsigned, auth: signer.grantSchedule('campaign-c', 'payments', unsigned) };

test('the pinned campaign verifies, at any time; its phase runs verify as scheduled drills', () => {
  expect(verifyScheduledCampaignStart(trusted, granted)).toBeUndefined();
  expect(verifyStart(trusted, 'campaign-c-12345678.one', phaseRun, Date.now() + 180 * 86_400_000, 'campaign-c-12345678')).toBeUndefined();
});

test.each<[string, CampaignInput, RegExp]>([
  ['unsigned', unsigned, /not signed/],
  ["a person's signature instead of a grant", { ...unsigned, auth: signer.signAction('campaign', 'campaign-c-1', unsigned) }, /not signed/],
  ['as another initiator', { ...granted, initiator: 'mallory' }, /is for schedule:campaign-c, not for initiator mallory/],
  ['in failover mode', { ...granted, mode: 'failover' }, /only starts drills/],
  ['with a phase in failover mode', { ...granted, phases: [{ ...granted.phases[0], run: { ...phaseRun, mode: 'failover' } }] }, /only starts drills/],
  ['with other params in a phase', { ...granted, phases: [{ ...granted.phases[0], run: { ...phaseRun, params: { base: 'http://evil' } } }] }, /does not match/],
  ['with a phase added', { ...granted, phases: [...granted.phases, granted.phases[0]] }, /does not match/],
  ['for another service', { ...unsigned, auth: signer.grantSchedule('campaign-c', 'ledger', unsigned) }, /service ledger, which no phase names/],
])('refused: %s', (_what, input, refusal) => {
  expect(verifyScheduledCampaignStart(trusted, input)).toMatch(refusal);
});
