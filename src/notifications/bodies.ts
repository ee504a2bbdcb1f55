/**
 * A notice as the body a webhook takes: drillbook's own JSON (default), a Slack incoming-webhook
 * message (`text` plus Block Kit `blocks`), or a Teams message carrying an Adaptive Card (what a
 * Teams "When a webhook request is received" workflow posts to a channel). docs/notifications.md
 * shows each.
 */
import type { NotifyFormat } from '../inventory/schema';
import type { Json } from '../plan/types';
import type { Notice } from './kinds';

/** The console's page of a run, when the console's public address is known. */
export function runLink(notice: Notice, consoleBase: string | undefined): string | null {
  if (!consoleBase || !notice.runId) return null;
  return `${consoleBase.replace(/\/+$/, '')}/console/#/runs/${encodeURIComponent(notice.runId)}`;
}

export function notificationBody(format: NotifyFormat, notice: Notice, consoleBase?: string): Json {
  const link = runLink(notice, consoleBase);
  switch (format) {
    case 'slack':
      return slackBody(notice, link);
    case 'teams':
      return teamsBody(notice, link);
    default:
      return {
        kind: notice.kind,
        event: notice.event,
        service: notice.services[0] ?? null,
        services: notice.services,
        runbook: notice.runbook,
        runId: notice.runId,
        step: notice.step,
        message: notice.message,
        link,
        details: notice.details,
      };
  }
}

const TITLES: Record<Notice['kind'], string> = {
  waiting: 'Waiting for a person',
  'step-failed': 'Step failed',
  paused: 'Run paused',
  'guard-tripped': 'Guard tripped',
  'readiness-red': 'Readiness red',
  alert: 'Threshold alert',
  ended: 'Run ended',
};

function facts(notice: Notice): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  if (notice.services.length) out.push({ name: 'Service', value: notice.services.join(', ') });
  if (notice.runbook) out.push({ name: 'Runbook', value: notice.runbook });
  if (notice.runId) out.push({ name: 'Run', value: notice.runId });
  if (notice.step) out.push({ name: 'Step', value: notice.step });
  return out;
}

/** Slack: `text` is the fallback (notifications, old clients); `blocks` what the channel shows. */
function slackBody(notice: Notice, link: string | null): Json {
  const title = `*${TITLES[notice.kind]}*`;
  const blocks: Json[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${title}\n${slackEscape(notice.message)}` } },
    { type: 'context', elements: facts(notice).map((f) => ({ type: 'mrkdwn', text: `*${f.name}:* ${slackEscape(f.value)}` })) },
  ];
  if (link) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${link}|Open the run in the console>` } });
  return { text: `${TITLES[notice.kind]}: ${notice.message}`, blocks: blocks.filter((b) => !isEmptyContext(b)) };
}

function isEmptyContext(block: Json): boolean {
  return !!block && typeof block === 'object' && !Array.isArray(block) && block.type === 'context' && Array.isArray(block.elements) && block.elements.length === 0;
}

/** Slack's mrkdwn escapes exactly these three. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Teams: a message with one Adaptive Card attachment (schema 1.4). */
function teamsBody(notice: Notice, link: string | null): Json {
  const body: Json[] = [
    { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: TITLES[notice.kind], wrap: true },
    { type: 'TextBlock', text: notice.message, wrap: true },
    { type: 'FactSet', facts: facts(notice).map((f) => ({ title: f.name, value: f.value })) },
  ];
  const card: Json = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open the run in the console', url: link }] } : {}),
  };
  return {
    type: 'message',
    summary: `${TITLES[notice.kind]}: ${notice.message}`,
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
