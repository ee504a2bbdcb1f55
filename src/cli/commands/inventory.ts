import os from 'node:os';
import { Command } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import { applyInventory } from '../../inventory/apply';
import { formatProgrammeDiagnostic, loadInventoryFile, type LoadedInventory } from '../../inventory/load';
import { describeBlackout } from '../../plan/blackout';
import { pinBlackout } from '../../schedules/spec';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';

/** Loads an inventory for a command: prints its diagnostics, refuses it when it has errors. */
export function loadInventoryForCommand(file: string): LoadedInventory {
  const { inventory, diagnostics } = loadInventoryFile(file, adapterRegistry);
  for (const d of diagnostics) process.stderr.write(`${formatProgrammeDiagnostic(d)}\n`);
  if (!inventory) throw new CliError(`${file}: the inventory has errors; nothing was changed`, EXIT.invalid);
  return inventory;
}

export function inventoryCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const cmd = new Command('inventory').description('the service inventory: targets, owners, cadence, runbooks, schedules, blackouts');
  cmd
    .command('check')
    .description('check an inventory file (and the runbooks it names); every problem as file:line:col')
    .argument('<file>', 'inventory YAML file')
    .option('--json', 'print { file, valid, services, blackouts } as JSON (the problems stay on stderr)')
    .action((file: string, opts: { json?: boolean }) =>
      run(async () => {
        const inventory = loadInventoryForCommand(file);
        if (opts.json) {
          const blackouts = inventory.blackouts.map((b) => ({ window: describeBlackout(pinBlackout(b, inventory.timezone)), services: b.services ?? null }));
          printJson({ file, valid: true, services: inventory.services.map((s) => s.name), blackouts });
          return EXIT.ok;
        }
        process.stdout.write(`${file}: valid (${inventory.services.length} services, ${inventory.blackouts.length} blackout windows)\n`);
        writeBlackouts(inventory);
        return EXIT.ok;
      }),
    );
  cmd
    .command('apply')
    .description('check an inventory file and make it the database inventory (audited)')
    .argument('<file>', 'inventory YAML file')
    .option('--actor <name>', 'who applies it (default: the OS user)')
    .option('--json', 'print the changes as JSON')
    .action((file: string, opts: { actor?: string; json?: boolean }) =>
      run(async () => {
        const inventory = loadInventoryForCommand(file);
        const result = await applyInventory(await ctx.db(), inventory, opts.actor ?? os.userInfo().username);
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(
            `applied ${file}: ${result.added.length} added, ${result.changed.length} changed, ${result.retired.length} retired, ${result.unchanged.length} unchanged; ${result.blackouts} blackout windows\n`,
          );
          for (const [what, names] of [['added', result.added], ['changed', result.changed], ['retired', result.retired]] as const) {
            if (names.length) process.stdout.write(`  ${what}: ${names.join(', ')}\n`);
          }
          writeBlackouts(inventory);
        }
        return EXIT.ok;
      }),
    );
  return cmd;
}

/** One line per blackout window, fixed or recurring, with the services it holds back. */
function writeBlackouts(inventory: LoadedInventory): void {
  for (const b of inventory.blackouts) {
    process.stdout.write(`  blackout ${describeBlackout(pinBlackout(b, inventory.timezone))}; services: ${b.services?.join(', ') ?? 'all'}\n`);
  }
}
