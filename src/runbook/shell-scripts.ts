/**
 * A template inside a shell script makes a value code: `["sh", "-c", "echo ${{ params.x }}"]` with
 * `x = "a; rm -rf /"`. The `exec` adapter never uses a shell itself, but a runbook can name one; so
 * `validate` refuses a template in the script of a shell run with `-c` unless every value it reads is
 * safe by construction: `mode`, a number or boolean param, or a string param with a `pattern` (checked
 * against the value when the run starts). The safe way to pass any other value is as an argument:
 * `["sh", "-c", "echo \"$1\"", "sh", "${{ params.x }}"]`.
 */
import { referencedNames } from '../plan/expression';
import { templateExpressions } from '../plan/template';
import type { LooseAdapterCall } from './every-adapter-call';
import { isRecord, type CheckContext } from './findings';

/** Programs that run their `-c` argument as a script. */
export const SHELLS = ['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash', 'posh', 'fish', 'csh', 'tcsh', 'rbash'];
/** Programs that run the rest of their argv as a command: the shell may come after them. */
const WRAPPERS = ['env', 'sudo', 'doas', 'nice', 'nohup', 'setsid', 'stdbuf', 'timeout', 'ionice', 'chroot', 'busybox', 'command', 'exec'];
/** Shell options that take the next argument (`bash -o pipefail -c …`). */
const SHELL_OPTIONS_WITH_ARGUMENT = ['-o', '+o', '-O', '+O', '--rcfile', '--init-file'];

function programName(arg: string): string {
  return arg.slice(arg.lastIndexOf('/') + 1);
}

/**
 * The index of the script in `argv` when it runs a shell with `-c`; undefined otherwise. After a
 * wrapper (`env`, `sudo -u postgres`, `timeout 30`…) the first shell named is taken as the program:
 * wrappers' options vary too much to parse, and a false alarm only asks for the safe form.
 */
export function shellScriptIndex(argv: readonly unknown[]): number | undefined {
  const isShell = (a: unknown) => typeof a === 'string' && SHELLS.includes(programName(a));
  let i = 0;
  if (typeof argv[0] === 'string' && WRAPPERS.includes(programName(argv[0]))) {
    i = argv.findIndex(isShell);
    if (i < 0) return undefined;
  }
  const program = argv[i];
  if (typeof program !== 'string' || !SHELLS.includes(programName(program))) return undefined;
  let hasC = false;
  let j = i + 1;
  for (; j < argv.length; j++) {
    const arg = argv[j];
    if (typeof arg !== 'string') return undefined;
    if (arg === '--' || arg === '-') {
      j += 1;
      break;
    }
    if (!/^[-+]/.test(arg)) break;
    if (SHELL_OPTIONS_WITH_ARGUMENT.includes(arg)) {
      j += 1;
      continue;
    }
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(arg) || arg === '--command') hasC = true;
  }
  return hasC && j < argv.length ? j : undefined;
}

export function checkShellScripts(calls: LooseAdapterCall[], params: unknown, ctx: CheckContext): void {
  const safe = safeParams(params);
  for (const call of calls) {
    if (call.adapter !== 'exec' || !isRecord(call.input) || !Array.isArray(call.input.argv)) continue;
    const index = shellScriptIndex(call.input.argv);
    if (index === undefined) continue;
    const script = call.input.argv[index];
    if (typeof script !== 'string') continue;
    const path = [...call.path, 'input', 'argv', index];
    for (const t of templateExpressions(script)) {
      if (!t.parsed.ok) continue; // checkReferences reports the syntax error
      const unsafe = referencedNames(t.parsed.expr.ast).filter(
        (ref) => !(ref.root === 'mode' || (ref.root === 'params' && !ref.dynamic && typeof ref.path[0] === 'string' && ref.path.length === 1 && safe.has(ref.path[0]))),
      );
      if (unsafe.length === 0) continue;
      const names = [...new Set(unsafe.map((r) => [r.root, ...r.path].join('.')))];
      ctx.report({
        path,
        offset: t.offset,
        code: 'exec.shell_template',
        message:
          `a template in a shell script (${programName(String(call.input.argv.find((a) => typeof a === 'string' && SHELLS.includes(programName(a))) ?? 'sh'))} -c) makes a value code: ` +
          `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not declared safe. Pass the value as an argument after the script ("$1") ` +
          'or give the string param a `pattern`',
      });
    }
  }
}

/** Params whose values cannot carry code: number and boolean params, string params with a pattern. */
function safeParams(params: unknown): Set<string> {
  const safe = new Set<string>();
  if (!isRecord(params)) return safe;
  for (const [name, p] of Object.entries(params)) {
    if (!isRecord(p)) continue;
    if (p.type === 'number' || p.type === 'boolean' || (p.type === 'string' && typeof p.pattern === 'string')) safe.add(name);
  }
  return safe;
}
