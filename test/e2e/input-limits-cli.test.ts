/**
 * The CLI under hostile input (issue 14, reproducers 3, 4 and 7, the parser's half): an alias bomb, an
 * expression of 100k terms, a 5 MB step title, a 50 MB file — each a located diagnostic and exit 1,
 * never exit 5 with a stack, and never the whole value back; a template in `sh -c` and out-of-scope
 * secrets refused by `validate`; a bad configuration variable named at start (exit 5, no stack).
 */
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli';
import { aliasBombRunbook, HOSTILE_HEAD } from '../support/runbooks';

const dir = mkdtempSync(path.join(tmpdir(), 'drillbook-limits-'));
const head = HOSTILE_HEAD;
const noop = '    action: { adapter: noop, input: {} }\n';

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function validate(p: string, env: NodeJS.ProcessEnv = {}) {
  const out = await runCli(['validate', p], { env });
  return { ...out, all: out.stdout + out.stderr };
}

describe('validate under hostile input', () => {
  it('an alias bomb: exit 1, located', async () => {
    const r = await validate(file('bomb.yaml', aliasBombRunbook()));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bomb\.yaml:7:8: error: aliases expand to too much data/);
    expect(r.all).not.toMatch(/\n\s+at /);
  });

  it('an expression of 100k terms: exit 1, located, a short excerpt', async () => {
    const r = await validate(file('expr.yaml', `${head}steps:\n  - id: s\n    title: s\n    kind: action\n    when: "${Array(100_000).fill('1').join('+')} > 0"\n${noop}`));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/expr\.yaml:10:11: error: a text of 200003 characters is longer than the limit/);
    expect(r.all.length).toBeLessThan(1000);
  });

  it('a 5 MB step title: exit 1, and the title does not come back', async () => {
    const r = await validate(file('name.yaml', `${head}steps:\n  - id: s\n    title: "${'N'.repeat(5_000_000)}"\n    kind: action\n${noop}`), { DRILLBOOK_RUNBOOK_MAX_BYTES: '16777216' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/name\.yaml:8:12: error: a text of 5000000 characters is longer than the limit of 65536 \("N{60}…"\)/);
    expect(r.all.length).toBeLessThan(1000);
  });

  it('a 50 MB file: exit 1 without reading it', async () => {
    const p = file('big.yaml', head);
    truncateSync(p, 50 * 1024 * 1024);
    const r = await validate(p);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/big\.yaml:1:1: error: a runbook of 52428800 bytes is larger than the limit of 262144 \(DRILLBOOK_RUNBOOK_MAX_BYTES\)/);
  });

  it('a template in an sh -c script and out-of-scope secrets: exit 1, located', async () => {
    const yaml = `${head}params:\n  x: { type: string }\n  pw: { type: secret, default: "file:/etc/shadow" }\n  home: { type: secret, default: env:HOME }\nsteps:\n  - id: s\n    title: s\n    kind: action\n    action: { adapter: exec, input: { argv: ["/bin/sh", "-c", "echo \${{ params.x }}"] } }\n`;
    const r = await validate(file('shell.yaml', yaml));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('shell.yaml:8:32: error: secret file:/etc/shadow is outside this worker\'s scope');
    expect(r.stdout).toContain('shell.yaml:9:34: error: secret env:HOME is outside this worker\'s scope');
    expect(r.stdout).toMatch(/shell\.yaml:14:\d+: error: a template in a shell script \(sh -c\) makes a value code: params\.x is not declared safe/);
  });
});

describe('configuration checked at start', () => {
  it.each([
    ['serve', 'DRILLBOOK_API_PORT', 'abc'],
    ['validate', 'DRILLBOOK_RUNBOOK_MAX_BYTES', '12kb'],
    ['validate', 'DRILLBOOK_SECRETS_DIRS', 'relative/secrets'],
    ['validate', 'DRILLBOOK_SECRETS_ENV_ALLOW', 'NOT-A-NAME'],
    ['validate', 'DRILLBOOK_LOG_LEVEL', 'loud'],
    ['watch', 'DRILLBOOK_API_URL', 'not-a-url'],
  ])('%s with %s=%s: exit 5, the variable named, no stack', async (command, name, value) => {
    const ok = `${head}steps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`;
    const args = command === 'validate' ? ['validate', file('ok.yaml', ok)] : command === 'watch' ? ['watch', 'some-run', '--once'] : [command];
    const r = await runCli(args, { env: { [name]: value } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`bad configuration:\n  ${name}: `);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
