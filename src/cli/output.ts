/** How commands print: with `--json`, one JSON document on stdout; without, lines for a person. */

/** Prints one value as an indented JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The `--json` option's help, the same for every command. */
export const JSON_HELP = 'print the result as JSON';

/** Prints `value` as JSON with `--json`, else the text (one or more lines). */
export function printResult(opts: { json?: boolean }, value: unknown, text: string | (() => string)): void {
  if (opts.json) printJson(value);
  else process.stdout.write(`${typeof text === 'function' ? text() : text}\n`);
}
