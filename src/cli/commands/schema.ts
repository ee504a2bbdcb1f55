import { Command } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import { runbookJsonSchemaText } from '../../runbook/json-schema';
import { EXIT } from '../exit-codes';
import type { CommandResult } from '../run-command';

export function schemaCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('schema')
    .description('print the JSON Schema of the runbook format, for editors (also in schema/runbook.schema.json)')
    .option('--json', 'the output is JSON already (accepted, as on every command that prints)')
    .action(() =>
      run(async () => {
        process.stdout.write(runbookJsonSchemaText(adapterRegistry));
        return EXIT.ok;
      }),
    );
}
