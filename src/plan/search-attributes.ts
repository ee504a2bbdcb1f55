/**
 * drillbook's search attributes: how a run is found (`temporal workflow list --query`, the API's
 * lists). One definition for the client that starts a run and the workflow that starts a scheduled
 * run as a child. Names are a contract: add, never rename.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { campaignServices, type CampaignInput } from './campaign';
import type { RunInput } from './types';

export const RUN_SEARCH_KEYS = {
  service: defineSearchAttributeKey('DrillService', SearchAttributeType.KEYWORD_LIST),
  mode: defineSearchAttributeKey('DrillMode', SearchAttributeType.KEYWORD),
  runbook: defineSearchAttributeKey('DrillRunbook', SearchAttributeType.KEYWORD),
  planHash: defineSearchAttributeKey('DrillPlanHash', SearchAttributeType.KEYWORD),
  initiator: defineSearchAttributeKey('DrillInitiator', SearchAttributeType.KEYWORD),
};

/** A run's search attributes, read from its input. */
export function runSearchAttributes(run: Pick<RunInput, 'plan' | 'mode' | 'planHash' | 'initiator'>): SearchAttributePair[] {
  return [
    { key: RUN_SEARCH_KEYS.service, value: run.plan.services },
    { key: RUN_SEARCH_KEYS.mode, value: run.mode },
    { key: RUN_SEARCH_KEYS.runbook, value: run.plan.runbook.name },
    { key: RUN_SEARCH_KEYS.planHash, value: run.planHash },
    { key: RUN_SEARCH_KEYS.initiator, value: run.initiator },
  ];
}

/** A campaign's search attributes (its row's: the campaign's name as the runbook, its hash as the plan's). */
export function campaignSearchAttributes(input: Pick<CampaignInput, 'phases' | 'mode' | 'campaign' | 'campaignHash' | 'initiator'>): SearchAttributePair[] {
  return [
    { key: RUN_SEARCH_KEYS.service, value: campaignServices(input.phases) },
    { key: RUN_SEARCH_KEYS.mode, value: input.mode },
    { key: RUN_SEARCH_KEYS.runbook, value: input.campaign.name },
    { key: RUN_SEARCH_KEYS.planHash, value: input.campaignHash },
    { key: RUN_SEARCH_KEYS.initiator, value: input.initiator },
  ];
}
