/**
 * A conservative split of a command line into argv, the way a POSIX shell would split it when the line
 * holds nothing but words and quotes. Anything that makes the shell do more than split — pipes,
 * redirects, `;`, `&&`, command substitution, variables, globs, `~`, comments, line breaks — makes it
 * `shell`: the importer then writes the line to a script file run by /bin/sh (or a manual step) rather
 * than guess. Never a `sh -c` with the text pasted in.
 */

export type ShellSplit = { kind: 'words'; argv: string[] } | { kind: 'shell'; reason: string };

/** Characters that mean something to the shell outside quotes. */
const OPERATORS: Record<string, string> = {
  '|': 'a pipe',
  '&': '"&" (background or &&)',
  ';': 'a ";" command separator',
  '<': 'a redirect',
  '>': 'a redirect',
  '(': 'a subshell',
  ')': 'a subshell',
  '`': 'command substitution',
  $: 'a variable or command substitution',
  '*': 'a glob',
  '?': 'a glob',
  '[': 'a glob',
  '\n': 'several lines',
};

/**
 * @param keep tokens the caller substitutes itself (e.g. Rundeck's `${option.port}`): kept verbatim as
 *   part of a word, never read as shell syntax.
 */
export function splitShellWords(line: string, keep: RegExp = /$^/): ShellSplit {
  const argv: string[] = [];
  let word: string | undefined;
  const add = (s: string) => (word = (word ?? '') + s);
  const keepSticky = new RegExp(keep.source, 'y');
  let i = 0;
  while (i < line.length) {
    keepSticky.lastIndex = i;
    const kept = keepSticky.exec(line);
    if (kept && kept[0].length > 0) {
      add(kept[0]);
      i += kept[0].length;
      continue;
    }
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (word !== undefined) argv.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { kind: 'shell', reason: 'an unterminated single quote' };
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        keepSticky.lastIndex = j;
        const k = keepSticky.exec(line);
        if (k && k[0].length > 0) {
          text += k[0];
          j += k[0].length - 1;
          continue;
        }
        if (line[j] === '$' || line[j] === '`') return { kind: 'shell', reason: `${OPERATORS[line[j]]} inside double quotes` };
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) {
          text += line[j + 1];
          j += 1;
        } else if (line[j] === '\\' && line[j + 1] === '\n') {
          return { kind: 'shell', reason: 'a line continuation' };
        } else {
          text += line[j];
        }
      }
      if (j >= line.length) return { kind: 'shell', reason: 'an unterminated double quote' };
      add(text);
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length || line[i + 1] === '\n') return { kind: 'shell', reason: 'a line continuation' };
      add(line[i + 1]);
      i += 2;
    } else if (c === '#' && word === undefined) {
      return { kind: 'shell', reason: 'a comment' };
    } else if (c === '~' && word === undefined) {
      return { kind: 'shell', reason: 'a "~" home directory' };
    } else if (c in OPERATORS || (c === '=' && word !== undefined && argv.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word))) {
      return { kind: 'shell', reason: c === '=' ? 'a variable assignment' : OPERATORS[c] };
    } else if (c === '\r') {
      return { kind: 'shell', reason: 'several lines' };
    } else {
      add(c);
      i += 1;
    }
  }
  if (word !== undefined) argv.push(word);
  if (argv.length === 0) return { kind: 'shell', reason: 'an empty command' };
  return { kind: 'words', argv };
}
