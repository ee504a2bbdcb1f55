/**
 * `drillbook import` as a user runs it (the compiled CLI): the draft to a file or stdout, the report
 * on stderr and as JSON, scripts beside the draft, `validate` accepting the draft; bad input refused
 * at file:line:col with exit 1 and nothing written; an existing file kept unless --force.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'import');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'drillbook-import-cli-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('chaostoolkit: draft, scripts and JSON report written; the report on stderr; validate accepts the draft', async () => {
  const out = path.join(dir, 'payments.yaml');
  const report = path.join(dir, 'report.json');
  const source = path.join(FIXTURES, 'payments-db-failover.experiment.json');
  const r = await runCli(['import', 'chaostoolkit', source, '--out', out, '--report', report, '--owner', 'dba@bank.example', '--service', 'payments']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`${source}:73  [TODO] method[0] action "fence-primary" → step fence-primary, wait fence-primary-pause-after`);
  expect(r.stderr).toMatch(/mapped, \d+ with a TODO, \d+ manual, \d+ not mapped; draft .*payments\.yaml, 1 script file\(s\)/);
  const json = JSON.parse(readFileSync(report, 'utf8'));
  expect(json).toMatchObject({ tool: 'chaostoolkit', source, draft: out, scripts: [path.join(dir, 'payments-scripts', 'watch-clients-script.sh')] });
  expect(existsSync(path.join(dir, 'payments-scripts', 'watch-clients-script.sh'))).toBe(true);
  const draft = readFileSync(out, 'utf8');
  expect(draft).toContain('owners: [ dba@bank.example ]');
  expect(draft).toContain('services: [ payments ]');
  const v = await runCli(['validate', out]);
  expect(v.code).toBe(0);
  expect(v.stdout).toContain(`${out}: valid`);
});

test('rundeck: the draft to stdout by default, XML and YAML alike', async () => {
  for (const name of ['restore-ledger.rundeck.xml', 'restore-ledger.rundeck.yaml']) {
    const cwd = mkdtempSync(path.join(dir, 'cwd-'));
    const r = await runCli(['import', 'rundeck', path.join(FIXTURES, name)], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Imported by `drillbook import rundeck`/);
    const draft = path.join(cwd, 'draft.yaml');
    writeFileSync(draft, r.stdout);
    expect((await runCli(['validate', draft], { cwd })).code).toBe(0);
    // Scripts of a draft on stdout go to <runbook name>-scripts in the current folder.
    expect(existsSync(path.join(cwd, 'dr-payments-restore-ledger-to-dr-scripts', 'promote-the-standby.sh'))).toBe(true);
  }
  const several = await runCli(['import', 'rundeck', path.join(FIXTURES, 'smoke-tests.rundeck.yaml'), '--job', 'Rotate logs'], { cwd: dir });
  expect(several.code).toBe(0);
});

test('bad input: located error, exit 1, nothing written', async () => {
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, '{\n  "version": "1.0.0",\n  "title": "x",\n}\n');
  const out = path.join(dir, 'never.yaml');
  const r = await runCli(['import', 'chaostoolkit', bad, '--out', out]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`${bad}:4:1: error: not valid JSON: Expected double-quoted property name\n`);
  expect(existsSync(out)).toBe(false);

  const wrongTool = await runCli(['import', 'rundeck', path.join(FIXTURES, 'payments-db-failover.experiment.json')]);
  expect(wrongTool.code).toBe(1);
  expect(wrongTool.stderr).toMatch(/payments-db-failover\.experiment\.json:1:1: error: not a Rundeck job/);

  const missing = await runCli(['import', 'chaostoolkit', path.join(dir, 'nope.json')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/nope\.json: cannot read it: no such file/);

  const flag = await runCli(['import', 'chaostoolkit', bad, '--bogus']);
  expect(flag.code).toBe(2);
});

test('an existing draft is kept unless --force', async () => {
  const out = path.join(dir, 'orders.yaml');
  writeFileSync(out, 'mine\n');
  const source = path.join(FIXTURES, 'orders-cache-flush.experiment.yaml');
  const r = await runCli(['import', 'chaostoolkit', source, '--out', out]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/would overwrite .*orders\.yaml; use --force/);
  expect(readFileSync(out, 'utf8')).toBe('mine\n');
  const folder = await runCli(['import', 'chaostoolkit', source, '--out', dir, '--force']);
  expect(folder.code).toBe(2);
  expect(folder.stderr).toMatch(/is a folder; name a file/);
  const forced = await runCli(['import', 'chaostoolkit', source, '--out', out, '--force']);
  expect(forced.code).toBe(0);
  expect(readFileSync(out, 'utf8')).toMatch(/^# Imported by/);
});
