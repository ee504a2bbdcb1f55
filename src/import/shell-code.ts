/**
 * A template in the script of a shell run with `-c` makes a value code (`[sh, -c, "echo ${{ params.x }}"]`
 * with x = `a; rm -rf /`), and the runbook validator refuses it. Chaos Toolkit and Rundeck paste values
 * into such scripts; the draft passes them through the step's environment instead: the script reads
 * `${x}`, the step sets `env: { x: "${{ params.x }}" }`. The value is then data to the shell, never code.
 */

import { shellScriptIndex } from '../runbook/shell-scripts';

/** Variables a process relies on: a param of that name reaches the script under another. */
const RESERVED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'IFS', 'PS1', 'PS2', 'PS4', 'ENV', 'BASH_ENV', 'SHELL', 'PWD', 'OLDPWD'];
const PARAM_TEMPLATE = /\$\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The index of the script when `argv` runs a shell with `-c` (after a wrapper such as sudo): the validator's own rule. */
export const shellCodeIndex = (argv: readonly string[]): number | undefined => shellScriptIndex(argv);

/**
 * Moves param templates out of a `-c` script into the step's environment (mutates `input`); returns
 * what a person must check (a template that sat inside single quotes, where the shell expands nothing).
 */
export function templatesOutOfShellCode(input: { argv?: unknown; env?: unknown }): string[] {
  if (!Array.isArray(input.argv) || !input.argv.every((a) => typeof a === 'string')) return [];
  const argv = input.argv as string[];
  const index = shellCodeIndex(argv);
  if (index === undefined || !argv[index].includes('${{')) return [];
  const env = { ...((input.env as Record<string, string> | undefined) ?? {}) };
  const todos: string[] = [];
  argv[index] = argv[index].replace(PARAM_TEMPLATE, (_whole, name: string, offset: number, all: string) => {
    const variable = RESERVED_ENV.includes(name) ? `PARAM_${name}` : name;
    env[variable] = `\${{ params.${name} }}`;
    if (insideSingleQuotes(all, offset)) todos.push(`\${${variable}} sits inside single quotes in the shell script, where the shell does not expand it: rework the quoting`);
    return `\${${variable}}`;
  });
  input.env = env;
  return [`the shell script reads its values from the environment (never pasted into the code)`, ...todos];
}

/** Whether `offset` in a shell line lies inside '…'. */
export function insideSingleQuotes(line: string, offset: number): boolean {
  let inside = false;
  let inDouble = false;
  for (let i = 0; i < offset; i++) {
    const c = line[i];
    if (c === '\\' && !inside) i += 1;
    else if (c === '"' && !inside) inDouble = !inDouble;
    else if (c === "'" && !inDouble) inside = !inside;
  }
  return inside;
}
