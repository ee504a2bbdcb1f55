import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import { describeBlackout } from '../../plan/blackout';
import { listSchedules, nextActionTimes, recordSchedulePin, upsertSchedule } from '../../schedules/manage';
import { programmeTaskQueue, startProgrammeWorker } from '../../temporal/programme-worker';
import { coverageSchedule, drillSchedules } from '../../schedules/spec';
import { resolveTemporalAddress } from '../../temporal/embedded';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../options';
import { printJson, printResult } from '../output';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';
import { loadInventoryForCommand } from './inventory';

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
  const cmd = new Command('schedule').description('drill schedules (Temporal Schedules, one per scheduled runbook of a service)');
  cmd
    .command('create')
    .description("create or update every schedule the inventory defines, pinning each runbook's plan (and the coverage check's)")
    .argument('<inventory>', 'inventory YAML file')
    .option('--service <name>', 'only this service')
    .option('--no-coverage', 'leave the daily coverage-check schedule alone')
    .option('--actor <name>', 'who creates them (default: the OS user)')
    .option('--json', 'print the schedules created or updated as JSON')
    .action((file: string, opts: { service?: string; coverage: boolean; actor?: string; json?: boolean }) =>
      run(async () => {
        const inventory = loadInventoryForCommand(file);
        const queue = ctx.config.DRILLBOOK_TASK_QUEUE;
        // Each drill schedule carries the front door's grant: this command reads DRILLBOOK_SIGNING_KEY.
        const signer = await ctx.signer();
        const defs = drillSchedules(inventory, { taskQueue: queue, programmeTaskQueue: programmeTaskQueue(queue), now: new Date(), signer }).filter(
          (d) => !opts.service || d.service === opts.service,
        );
        if (opts.service && !defs.length) throw new CliError(`no scheduled runbook for service "${opts.service}" in ${file}`, EXIT.notFound);
        const client = await ctx.temporal();
        const db = await ctx.db();
        const done: { scheduleId: string; action: string; runbook?: string; version?: string; planHash?: string; blackouts?: string[] }[] = [];
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
          const pin = s.pin ? `${s.pin.runbook} ${s.pin.version} plan ${s.pin.planHash.slice(0, 12)}` : '';
          process.stdout.write(`${s.scheduleId.padEnd(40)} ${s.paused ? 'paused ' : 'active '} next ${s.nextActionTimes[0] ?? '-'}  ${pin}\n`);
        }
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
