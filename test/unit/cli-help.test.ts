/** The CLI's help says what each option takes, with no stray defaults (issue 15: `-p` showed "(default: {})"). */
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

test('no command prints an empty object or array as a default in its help', () => {
  const commands = allCommands(buildProgram());
  expect(commands.length).toBeGreaterThan(20);
  for (const cmd of commands) {
    const help = cmd.helpInformation();
    expect({ command: cmd.name(), stray: /\(default: (\{\}|\[\])\)/.test(help) }).toEqual({ command: cmd.name(), stray: false });
  }
});
