import { Command } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { loadRunbookFile } from '../../runbook/load';
import { inventoryFileFor, objectiveWarnings } from '../../inventory/validate-objectives';
import { EXIT } from '../exit-codes';
import type { CommandResult } from '../run-command';

export function validateCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('validate')
    .description('check runbooks; every problem is printed as file:line:col')
    .argument('<files...>', 'runbook YAML files')
    .option('--json', 'print the diagnostics as JSON')
    .option('--inventory <file>', 'warn where objectives disagree with this inventory (default: inventory/services.yaml when present)')
    .action((files: string[], opts: { json?: boolean; inventory?: string }) =>
      run(async () => {
        const inventory = inventoryFileFor(opts.inventory);
        const results = files.map((file) => {
          const loaded = loadRunbookFile(file, { registry: adapterRegistry });
          // Objectives that disagree with the inventory are warnings (the inventory is the source of truth).
          const extra = loaded.plan && inventory ? objectiveWarnings(file, loaded.plan, inventory) : [];
          return { file, ...loaded, diagnostics: [...loaded.diagnostics, ...(extra as typeof loaded.diagnostics)] };
        });
        const errors = results.flatMap((r) => r.diagnostics).filter((d) => d.severity === 'error').length;
        if (opts.json) {
          const out = results.map((r) => ({ file: r.file, valid: !!r.plan, planHash: r.planHash ?? null, diagnostics: r.diagnostics }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          for (const r of results) {
            for (const d of r.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
            if (r.plan) process.stdout.write(`${r.file}: valid (${r.plan.steps.length} steps, plan ${r.planHash!.slice(0, 12)})\n`);
          }
          if (errors && results.some((r) => r.diagnostics.some((d) => d.code.startsWith('schema.')))) {
            process.stdout.write('note: step-graph and reference checks of a step run once its shape is valid; fix the errors above and validate again\n');
          }
        }
        return errors ? EXIT.invalid : EXIT.ok;
      }),
    );
}
