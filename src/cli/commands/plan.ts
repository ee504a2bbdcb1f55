import { Command } from 'commander';
import { dryRunOrder } from '../../plan/order';
import type { Mode } from '../../plan/types';
import { EXIT } from '../exit-codes';
import { loadPlanForRun } from '../load-plan';
import { collectParam, parseMode } from '../options';
import type { CommandResult } from '../run-command';

export function planCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('plan')
    .description('dry run: print the order in which the steps would run for a mode and parameters (nothing is called)')
    .argument('<file>', 'runbook YAML file')
    .requiredOption('-m, --mode <mode>', 'drill, failover or failback', parseMode)
    .option('-p, --param <name=value>', 'a parameter (repeatable)', collectParam)
    .option('--json', 'print the plan as JSON')
    .action((file: string, opts: { mode: Mode; param?: Record<string, string>; json?: boolean }) =>
      run(async () => {
        const { plan, planHash, params } = loadPlanForRun(file, opts.mode, opts.param ?? {});
        const order = dryRunOrder(plan, opts.mode, params);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ runbook: plan.runbook, planHash, mode: opts.mode, params, ...order }, null, 2)}\n`);
          return EXIT.ok;
        }
        const byId = new Map(plan.steps.map((s) => [s.id, s]));
        const skipped = new Set(order.skipped.map((s) => s.id));
        // A sequence shows its members, in order, as the one activity they run in.
        const describe = (id: string): string => {
          const step = byId.get(id)!;
          if (step.kind !== 'sequence') return `${id} [${step.kind}]`;
          return `${id} [sequence: ${step.members.filter((m) => !skipped.has(m)).join(' → ')}]`;
        };
        process.stdout.write(`${plan.runbook.name} v${plan.runbook.version} — mode ${opts.mode} — plan ${planHash}\n`);
        order.waves.forEach((wave, i) => {
          process.stdout.write(`${String(i + 1).padStart(3)}. ${wave.length > 1 ? 'in parallel: ' : ''}${wave
            .map(describe)
            .join(', ')}\n`);
        });
        for (const s of order.skipped) process.stdout.write(`  skipped: ${s.id} — ${s.reason}\n`);
        for (const s of order.decidedAtRunTime) process.stdout.write(`  decided at run time: ${s.id} — ${s.reason}\n`);
        for (const e of order.errors) process.stderr.write(`error: ${e}\n`);
        return order.errors.length ? EXIT.invalid : EXIT.ok;
      }),
    );
}
