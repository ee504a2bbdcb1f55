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

/**
 * Processes that run until Ctrl-C: what they print is a log (a banner, then progress), not a result
 * a machine reads. Every other command prints a result, and takes --json for it.
 */
const LONG_RUNNING = ['dev', 'worker', 'demo', 'serve', 'schedule worker'];

/** The commands a user runs (no groups), each with its words after `drillbook`, e.g. "schedule worker". */
function leaves(cmd: Command, words: string[] = []): { path: string; cmd: Command }[] {
  if (!cmd.commands.length) return [{ path: words.join(' '), cmd }];
  return cmd.commands.flatMap((sub) => leaves(sub, [...words, sub.name()]));
}

test('every command that prints a result takes --json', () => {
  const all = leaves(buildProgram());
  expect(all.length).toBeGreaterThan(50);
  for (const name of LONG_RUNNING) expect(all.map((c) => c.path)).toContain(name);
  const without = all.filter(({ path, cmd }) => !LONG_RUNNING.includes(path) && !cmd.options.some((o) => o.long === '--json')).map((c) => c.path);
  expect(without).toEqual([]);
});
