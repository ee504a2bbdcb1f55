import { splitShellWords } from '../../../src/import/shell-words';

const words = (line: string, keep?: RegExp) => {
  const r = splitShellWords(line, keep);
  if (r.kind !== 'words') throw new Error(`expected words, got shell: ${r.reason}`);
  return r.argv;
};
const shellReason = (line: string) => {
  const r = splitShellWords(line);
  if (r.kind !== 'shell') throw new Error(`expected shell syntax in ${line}, got ${JSON.stringify(r.argv)}`);
  return r.reason;
};

test('words and quotes split as a shell would', () => {
  expect(words('systemctl restart  payments')).toEqual(['systemctl', 'restart', 'payments']);
  expect(words(`/usr/local/bin/page-oncall "fence failed" 'a b' c\\ d`)).toEqual(['/usr/local/bin/page-oncall', 'fence failed', 'a b', 'c d']);
  expect(words(`echo "say \\"hi\\"" ''`)).toEqual(['echo', 'say "hi"', '']);
  expect(words(`psql -c 'select * from t where a > 1 | 2'`)).toEqual(['psql', '-c', 'select * from t where a > 1 | 2']);
  expect(words('--flag=value x=1')).toEqual(['--flag=value', 'x=1']);
});

test('tokens the caller substitutes are kept, never read as shell syntax', () => {
  const keep = /\$\{option\.[\w.-]+\}/g;
  expect(words('fence --ticket ${option.ticket} "${option.a b}"', /\$\{option\.[^}]+\}/g)).toEqual(['fence', '--ticket', '${option.ticket}', '${option.a b}']);
  expect(splitShellWords('fence --ticket $TICKET', keep).kind).toBe('shell');
});

test('anything beyond words is shell syntax, with the reason', () => {
  expect(shellReason('journalctl -u x | grep -c ERROR')).toBe('a pipe');
  expect(shellReason('a && b')).toMatch(/&/);
  expect(shellReason('a; b')).toMatch(/;/);
  expect(shellReason('echo hi > /tmp/x')).toBe('a redirect');
  expect(shellReason('echo $(hostname)')).toMatch(/substitution|variable/);
  expect(shellReason('echo "$HOME"')).toMatch(/inside double quotes/);
  expect(shellReason('echo `id`')).toBe('command substitution');
  expect(shellReason('ls /var/*.conf')).toBe('a glob');
  expect(shellReason('cat ~/x')).toMatch(/home/);
  expect(shellReason('FOO=1 run')).toBe('a variable assignment');
  expect(shellReason('a\nb')).toBe('several lines');
  expect(shellReason("echo 'open")).toMatch(/unterminated/);
  expect(shellReason('   ')).toMatch(/empty/);
});
