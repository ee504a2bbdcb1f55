import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import { describeBlackout } from '../../plan/blackout';
import { formatDuration } from '../../plan/duration';
import { deleteSchedule, listSchedules, nextActionTimes, recordSchedulePin, showSchedule, upsertSchedule } from '../../schedules/manage';
import { programmeTaskQueue, startProgrammeWorker } from '../../temporal/programme-worker';
import { coverageSchedule, drillSchedules } from '../../schedules/spec';
import { syncReadinessSchedules } from '../../schedules/readiness-schedules';
import { resolveTemporalAddress } from '../../temporal/embedded';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { collectParam, parsePositiveInt } from '../options';
import { printJson, printResult } from '../output';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';
import { loadInventoryForCommand } from './inventory';
import { createCampaignSchedule, type CampaignScheduleFlags } from './schedule-campaign';

type Run = (fn: () => Promise<CommandResult>) => Promise<void>;

function parseInstant(value: string): Date {
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/T|^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('expected an ISO date or date-time, e.g. 2026-07-15T10:00:00+09:00');
  return new Date(t);
}

async function notFound<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no schedule "${id}" (see drillbook schedule list)`, EXIT.notFound);
    throw err;
  }
}

export function scheduleCommand(ctx: CliContext, run: Run): Command {
  const cmd = new Command('schedule').description('drill schedules (Temporal Schedules, one per scheduled runbook of a service, or per campaign)');
  cmd
    .command('create')
    .description("create or update every schedule the inventory defines, pinning each runbook's plan (and the coverage check's, and each service's readiness schedule); with --campaign, that campaign's schedule only")
    .argument('<inventory>', 'inventory YAML file (with --campaign: its time zone, blackout windows and targets)')
    .option('--service <name>', 'only this service')
    .option('--no-coverage', 'leave the daily coverage-check schedule alone')
    .option('--no-readiness', "leave the services' readiness schedules alone (default: each service's is created or updated, those of services no longer listed deleted)")
    .option('--campaign <file>', "schedule this campaign (docs/campaigns.md): its phases pinned, started by `scheduledCampaign`")
    .option('--months <list>', 'with --campaign: months it runs in, e.g. JANUARY,JULY')
    .option('--day <n>', 'with --campaign: day of the month (1-28)')
    .option('--at <HH:MM>', 'with --campaign: time of day (default 10:00)')
    .option('--timezone <zone>', "with --campaign: time zone (default: the inventory's)")
    .option('--jitter <duration>', 'with --campaign: start up to this much later, at random')
    .option('--catchup-window <duration>', 'with --campaign: after an outage, still start one missed by at most this much (default 1d)')
    .option('--no-pause-on-failure', 'with --campaign: keep the schedule going when a campaign does not pass')
    .option('-p, --param <name=value>', 'with --campaign: a parameter for every phase whose runbook takes it (repeatable)', collectParam)
    .option('-r, --reason <text>', 'with --campaign: why it runs (each campaign\'s reason)')
    .option('--actor <name>', 'who creates them (default: the OS user)')
    .option('--json', 'print the schedules created or updated as JSON')
    .action((file: string, opts: Omit<CampaignScheduleFlags, 'campaign'> & { campaign?: string; service?: string; coverage: boolean; readiness: boolean }) =>
      run(async () => {
        if (opts.campaign !== undefined) {
          await createCampaignSchedule(ctx, file, { ...opts, campaign: opts.campaign });
          return EXIT.ok;
        }
        const inventory = loadInventoryForCommand(file);
        const queue = ctx.config.DRILLBOOK_TASK_QUEUE;
        // Each drill schedule carries the front door's grant: this command reads DRILLBOOK_SIGNING_KEY.
        const signer = await ctx.signer();
        const defs = drillSchedules(inventory, { taskQueue: queue, programmeTaskQueue: programmeTaskQueue(queue), now: new Date(), signer }).filter(
          (d) => !opts.service || d.service === opts.service,
        );
        const listed = !opts.service || inventory.services.some((s) => s.name === opts.service);
        if (opts.service && !defs.length && !(opts.readiness && listed)) throw new CliError(`no scheduled runbook for service "${opts.service}" in ${file}`, EXIT.notFound);
        const client = await ctx.temporal();
        const db = await ctx.db();
        const done: { scheduleId: string; action: string; runbook?: string; version?: string; planHash?: string; blackouts?: string[]; everyMs?: number }[] = [];
        for (const def of defs) {
          const what = await upsertSchedule(client, def.options);
          await recordSchedulePin(db, def, opts.actor ?? os.userInfo().username);
          const blackouts = def.input.blackouts.map(describeBlackout);
          const { name, version } = def.runbook.plan.runbook;
          done.push({ scheduleId: def.scheduleId, action: what, runbook: name, version, planHash: def.runbook.planHash, blackouts });
          if (!opts.json) {
            process.stdout.write(`${what} ${def.scheduleId} (${name} ${version}, plan ${def.runbook.planHash.slice(0, 12)})\n`);
            for (const b of blackouts) process.stdout.write(`  blackout ${b}\n`);
          }
          if (!def.input.grant) {
            process.stderr.write(`warning: ${def.scheduleId} is a scheduled ${def.runbook.mode}: only drills get a grant, its runs will be refused (a real run is started by a person, through the API)\n`);
          }
        }
        if (opts.coverage && !opts.service) {
          const what = await upsertSchedule(client, coverageSchedule(inventory, { programmeTaskQueue: programmeTaskQueue(queue) }));
          done.push({ scheduleId: 'drillbook-coverage', action: what });
          if (!opts.json) process.stdout.write(`${what} drillbook-coverage (daily coverage check)\n`);
        }
        if (opts.readiness) {
          for (const change of await syncReadinessSchedules(client, inventory, { programmeTaskQueue: programmeTaskQueue(queue), only: opts.service })) {
            done.push({ scheduleId: change.scheduleId, action: change.action, ...(change.everyMs !== undefined ? { everyMs: change.everyMs } : {}) });
            if (!opts.json) process.stdout.write(`${change.action} ${change.scheduleId}${change.everyMs !== undefined ? ` (readiness every ${formatDuration(change.everyMs)})` : ' (service no longer listed)'}\n`);
          }
        }
        if (opts.json) printJson(done);
        return EXIT.ok;
      }),
    );
  cmd
    .command('list')
    .description("drillbook's schedules, with what each one starts and when")
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const list = await listSchedules(await ctx.temporal(), await ctx.db());
        if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (!list.length) process.stdout.write('no schedules\n');
        for (const s of opts.json ? [] : list) {
          const pin = s.pin ? `${s.pin.kind === 'campaign' ? 'campaign ' : ''}${s.pin.runbook} ${s.pin.version} ${s.pin.kind === 'campaign' ? 'hash' : 'plan'} ${s.pin.planHash.slice(0, 12)}` : '';
          process.stdout.write(`${s.scheduleId.padEnd(40)} ${s.paused ? 'paused ' : 'active '} next ${s.nextActionTimes[0] ?? '-'}  ${pin}\n`);
        }
        return EXIT.ok;
      }),
    );
  cmd
    .command('show')
    .description('one schedule: what it starts (a drill or a campaign, pinned), its calendar, next and recent actions')
    .argument('<schedule-id>')
    .option('--json', 'print as JSON')
    .action((id: string, opts: { json?: boolean }) =>
      run(async () => {
        const s = await notFound(id, async () => showSchedule(await ctx.temporal(), await ctx.db(), id));
        if (opts.json) printJson(s);
        else {
          const pin = s.pin ? `${s.pin.kind} ${s.pin.runbook} ${s.pin.version} (${s.pin.mode}), ${s.pin.kind === 'campaign' ? 'campaign hash' : 'plan'} ${s.pin.planHash}, service ${s.pin.service}` : 'no pin';
          process.stdout.write(`${s.scheduleId}: ${s.paused ? 'paused' : 'active'}${s.note ? ` (${s.note})` : ''}, starts ${s.workflowType ?? '-'}\n  ${pin}\n`);
          for (const t of s.nextActionTimes.slice(0, 3)) process.stdout.write(`  next ${t}\n`);
          for (const a of s.recentActions) process.stdout.write(`  started ${a.workflowId} (due ${a.scheduledAt})\n`);
        }
        return EXIT.ok;
      }),
    );
  cmd
    .command('delete')
    .description('delete a schedule and its pin (audited); what it already started goes on')
    .argument('<schedule-id>')
    .option('-r, --reason <text>', 'why (kept in the audit trail)')
    .option('--actor <name>', 'who deletes it (default: the OS user)')
    .option('--json', 'print what was done as JSON')
    .action((id: string, opts: { reason?: string; actor?: string; json?: boolean }) =>
      run(async () => {
        await notFound(id, async () => deleteSchedule(await ctx.temporal(), await ctx.db(), id, opts.actor ?? os.userInfo().username, opts.reason));
        printResult(opts, { scheduleId: id, action: 'delete' }, `deleted ${id}`);
        return EXIT.ok;
      }),
    );
  for (const verb of ['pause', 'unpause'] as const) {
    cmd
      .command(verb)
      .description(verb === 'pause' ? 'stop a schedule from starting drills' : 'let a paused schedule start drills again')
      .argument('<schedule-id>')
      .option('--note <text>', 'why (kept with the schedule)')
      .option('--json', 'print what was done as JSON')
      .action((id: string, opts: { note?: string; json?: boolean }) =>
        run(async () => {
          const handle = (await ctx.temporal()).schedule.getHandle(id);
          await notFound(id, () => handle[verb](opts.note ?? `${verb}d by ${os.userInfo().username} via drillbook`));
          printResult(opts, { scheduleId: id, action: verb }, `${verb}d ${id}`);
          return EXIT.ok;
        }),
      );
  }
  cmd
    .command('trigger')
    .description("start a schedule's drill now (blackout windows still apply)")
    .argument('<schedule-id>')
    .option('--json', 'print what was done as JSON')
    .action((id: string, opts: { json?: boolean }) =>
      run(async () => {
        await notFound(id, () => ctx.temporal().then((c) => c.schedule.getHandle(id).trigger()));
        printResult(opts, { scheduleId: id, action: 'trigger' }, `triggered ${id}`);
        return EXIT.ok;
      }),
    );
  cmd
    .command('backfill')
    .description('take the actions a schedule would have taken between two instants (e.g. after an outage)')
    .argument('<schedule-id>')
    .requiredOption('--from <instant>', 'start, ISO', parseInstant)
    .requiredOption('--to <instant>', 'end, ISO', parseInstant)
    .option('--json', 'print what was done as JSON')
    .action((id: string, opts: { from: Date; to: Date; json?: boolean }) =>
      run(async () => {
        if (opts.to <= opts.from) throw new CliError('--to must be after --from', EXIT.usage);
        await notFound(id, () => ctx.temporal().then((c) => c.schedule.getHandle(id).backfill({ start: opts.from, end: opts.to, overlap: 'SKIP' })));
        const [from, to] = [opts.from.toISOString(), opts.to.toISOString()];
        printResult(opts, { scheduleId: id, action: 'backfill', from, to }, `backfilled ${id} from ${from} to ${to}`);
        return EXIT.ok;
      }),
    );
  cmd
    .command('next')
    .description('the coming run times of a schedule, as Temporal computes them')
    .argument('<schedule-id>')
    .option('--tz <zone>', 'also show them in this time zone')
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 10)
    .option('--json', 'print as JSON')
    .action((id: string, opts: { tz?: string; limit: number; json?: boolean }) =>
      run(async () => {
        const times = (await notFound(id, async () => nextActionTimes(await ctx.temporal(), id))).slice(0, opts.limit);
        if (opts.json) process.stdout.write(`${JSON.stringify(times.map((t) => t.toISOString()))}\n`);
        else {
          const fmt = opts.tz ? new Intl.DateTimeFormat('sv-SE', { timeZone: opts.tz, dateStyle: 'short', timeStyle: 'short' }) : undefined;
          for (const t of times) process.stdout.write(`${t.toISOString()}${fmt ? `  ${fmt.format(t)} ${opts.tz}` : ''}\n`);
        }
        return EXIT.ok;
      }),
    );
  cmd
    .command('worker')
    .description('run the programme worker (coverage check, notices, threshold alerts, notifications) until Ctrl-C')
    .action(() =>
      run(async () => {
        let address: string;
        try {
          address = await resolveTemporalAddress(ctx.config);
        } catch (err) {
          throw new CliError((err as Error).message, EXIT.unavailable);
        }
        const queue = programmeTaskQueue(ctx.config.DRILLBOOK_TASK_QUEUE);
        const worker = await startProgrammeWorker({ address, namespace: ctx.config.TEMPORAL_NAMESPACE, taskQueue: queue, db: await ctx.db(), security: ctx.temporalSecurity, notifications: {} });
        process.stdout.write(`programme worker on ${queue}; Ctrl-C to stop\n`);
        await untilSignal(worker.done);
        await worker.shutdown();
        return EXIT.ok;
      }),
    );
  return cmd;
}
