import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { getRunStory } from '../../audit/run-story';
import { verifyAuditChain } from '../../audit/verify-chain';
import { projectRoot } from '../../config/paths';
import { startDemoSites } from '../../demo/demo-sites';
import { ensureTemporal } from '../../temporal/embedded';
import { startRun } from '../../temporal/start-run';
import { startWorkers } from '../../temporal/worker';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { followRun } from '../follow-run';
import { loadPlanForRun } from '../load-plan';
import type { CommandResult } from '../run-command';

const DEMO_RUNBOOK = path.join(projectRoot, 'runbooks', 'dr-readiness.yaml');

function ms(value: number | undefined | null): string {
  return value === undefined || value === null ? 'n/a' : `${value} ms`;
}

export function demoCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('demo')
    .description('a real drill on the embedded defaults: Temporal dev server, worker, audit trail, loopback site APIs')
    .action(() =>
      run(async () => {
        const config = ctx.config;
        const db = await ctx.db();
        const { address, started: server } = await ensureTemporal(config);
        process.stdout.write(`Temporal: ${address}${server ? ' (embedded dev server, started for the demo)' : ''}\n`);
        const sites = await startDemoSites();
        const workers = await startWorkers({
          address,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.DRILLBOOK_TASK_QUEUE,
          sites: config.DRILLBOOK_SITES,
          db,
          connections: config.DRILLBOOK_CONNECTIONS,
        });
        try {
          const { plan, planHash, params } = loadPlanForRun(DEMO_RUNBOOK, 'drill', {
            siteA: sites.siteA,
            siteB: sites.siteB,
            webhook: sites.webhook,
          });
          plan.source = { file: path.relative(process.cwd(), DEMO_RUNBOOK) };
          const handle = await startRun(await ctx.temporal(), {
            plan,
            planHash,
            mode: 'drill',
            params,
            initiator: os.userInfo().username,
            reason: 'drillbook demo',
            taskQueue: config.DRILLBOOK_TASK_QUEUE,
          });
          process.stdout.write(`drill ${handle.workflowId} started: ${plan.runbook.name} v${plan.runbook.version}, plan ${planHash.slice(0, 12)}\n\n`);
          const result = await followRun(handle, { live: true });
          const story = await getRunStory(db, handle.workflowId);
          const integrity = await verifyAuditChain(db, { chainId: handle.workflowId });
          const { rtoMs, rpoMs } = plan.objectives;
          process.stdout.write(
            [
              '',
              `result: ${result.state}, verdict ${result.verdict.toUpperCase()}`,
              `RTO achieved ${ms(result.rtoMs)} (target ${ms(rtoMs)}); RPO achieved ${ms(result.rpoMs)} (target ${ms(rpoMs)})`,
              `traffic is back on ${sites.trafficTarget()}; ${sites.notifications.length} notification(s) delivered`,
              `audit trail: ${story?.events.length ?? 0} events for this run, chain ${integrity.ok ? 'intact' : 'BROKEN'}`,
              '',
              'look closer:',
              `  node bin/drillbook.js status ${handle.workflowId}`,
              `  node bin/drillbook.js history --service payments`,
              `  node bin/drillbook.js audit verify`,
              `  .tools/bin/temporal workflow list --address ${address} --query "DrillRunbook='${plan.runbook.name}'"`,
              `  (Temporal UI: run \`node bin/drillbook.js dev\` and open http://127.0.0.1:${config.DRILLBOOK_UI_PORT})`,
              '',
            ].join('\n'),
          );
          return result.verdict === 'pass' && integrity.ok ? EXIT.ok : EXIT.runFailed;
        } finally {
          await workers.shutdown();
          await sites.close();
          await server?.stop();
        }
      }),
    );
}
