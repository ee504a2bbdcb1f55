/**
 * `drillbook import rundeck` on a job covering every construct (options, commands, scripts, script
 * files and URLs, job references, plugins, error handlers, node filter), in the YAML and the XML job
 * format: both drafts validate and say the same thing.
 */
import path from 'node:path';
import { adapterRegistry } from '../../../activities/adapters/index';
import { importSource } from '../../../src/import/import-source';
import { loadRunbookText } from '../../../src/runbook/load';
import { FIXTURES, fromComments, importFixture, type Imported, type Step } from './import-fixture';

let yamlJob: Imported;
let xmlJob: Imported;

beforeAll(() => {
  yamlJob = importFixture('rundeck', 'restore-ledger.rundeck.yaml');
  xmlJob = importFixture('rundeck', 'restore-ledger.rundeck.xml');
});

const step = (imp: Imported, id: string): Step => {
  const s = imp.data.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
};
const execInput = (s: Step) => (s.action as { adapter: string; input: Record<string, unknown> }).input;

test.each([
  ['yaml', () => yamlJob],
  ['xml', () => xmlJob],
])('the %s job: the draft validates and every step says where it came from', (format, get) => {
  const imp = get();
  expect(imp.loaded.diagnostics).toEqual([]);
  const file = path.join(FIXTURES, `restore-ledger.rundeck.${format}`);
  const lines = fromComments(imp.yaml, file);
  expect(lines).toHaveLength(imp.data.steps.length);
  // The fence command's line is its exec (YAML: the command mapping starts at its description).
  const fence = imp.sourceLines[lines[0] - 1];
  expect(fence).toMatch(format === 'xml' ? /<exec>\/usr\/local\/bin\/fence-db/ : /description: Fence the primary database/);
});

test('the YAML and the XML format give the same steps and params', () => {
  const shape = (imp: Imported) => ({
    steps: imp.data.steps.map((s) => [s.id, s.kind, s.needs, s.when, s.onFailure, s.site]),
    params: Object.keys(imp.data.params ?? {}).filter((p) => p !== 'regions'),
  });
  expect(shape(xmlJob)).toEqual(shape(yamlJob));
});

test('options → params: required, defaults, descriptions; secure options → secret references, never their value', () => {
  const params = yamlJob.data.params!;
  expect(params.target_site).toEqual({ type: 'string', description: 'The site that takes over. One of: site-b, site-c', default: 'site-b' });
  expect(params.max_lag).toMatchObject({ type: 'string', default: '1048576' });
  expect(params.ticket).toEqual({ type: 'string', description: 'The change ticket' }); // required: no default
  expect(params.db_password).toMatchObject({ type: 'secret', default: 'env:DRILLBOOK_SECRET_DR_PAYMENTS_RESTORE_LEDGER_TO_DR_DB_PASSWORD' });
  expect(params.api_key).toMatchObject({ type: 'secret', default: 'env:DRILLBOOK_SECRET_DR_PAYMENTS_RESTORE_LEDGER_TO_DR_API_KEY' });
  for (const imp of [yamlJob, xmlJob]) {
    const everything = [imp.yaml, ...imp.scripts.map((s) => s.body), JSON.stringify(imp.report)].join('\n');
    expect(everything).not.toContain('hunter2-rundeck-default-do-not-copy');
    expect(everything).not.toContain('AKIA-not-to-be-copied');
  }
});

test('commands → exec steps with an argv; shell syntax → a script run by /bin/sh; script bodies → files', () => {
  const fence = step(yamlJob, 'fence-the-primary-database');
  expect(execInput(fence).argv).toEqual(['/usr/local/bin/fence-db', '--site', 'site-a', '--ticket', '${{ params.ticket }}']);
  const lag = step(yamlJob, 'check-replication-lag');
  expect(execInput(lag)).toEqual({ argv: ['/bin/sh', '${{ params.scriptsDir }}/check-replication-lag.sh'], env: { RD_OPTION_MAX_LAG: '${{ params.max_lag }}' } });
  const lagScript = yamlJob.scripts.find((s) => s.path.endsWith('check-replication-lag.sh'))!;
  expect(lagScript.body).toContain('| awk');
  expect(lagScript.body).toContain('${RD_OPTION_MAX_LAG}');
  expect(yamlJob.yaml).toMatch(/TODO\(import\): \$\{option\.max-lag\} sat inside single quotes/);

  const promote = step(yamlJob, 'promote-the-standby');
  expect(execInput(promote)).toEqual({
    argv: ['/bin/bash', '${{ params.scriptsDir }}/promote-the-standby.sh', '--wait', '${{ params.target_site }}'],
    env: { RD_OPTION_TARGET_SITE: '${{ params.target_site }}' },
    envFromSecrets: { RD_OPTION_DB_PASSWORD: '${{ params.db_password }}' },
  });
  const body = yamlJob.scripts.find((s) => s.path.endsWith('promote-the-standby.sh'))!.body;
  expect(body).toContain('echo "promoting on ${RD_OPTION_TARGET_SITE}"');
  expect(path.dirname(yamlJob.scripts[0].path)).toBe(yamlJob.data.params!.scriptsDir.default);

  expect(execInput(step(yamlJob, 'repoint-the-application')).argv).toEqual([
    'sudo', '-u', 'app', '/opt/dr/repoint-app.sh', '--site', '${{ params.target_site }}', '--key', 'TODO-secret-from-env-RD_OPTION_API_KEY',
  ]);
  expect(execInput(step(yamlJob, 'repoint-the-application')).envFromSecrets).toEqual({ RD_OPTION_API_KEY: '${{ params.api_key }}' });
  // XML: `sudo -u app sh -c` with argsquoted is the same as running sh with the file and its arguments.
  expect(execInput(step(xmlJob, 'repoint-the-application')).argv).toEqual(['sudo', '-u', 'app', 'sh', '/opt/dr/repoint-app.sh', '--site', '${{ params.target_site }}']);
  expect(execInput(step(yamlJob, 'record-the-switch')).argv).toEqual(['/usr/local/bin/dr-log', '--event', 'switched', '--site', '${{ params.target_site }}']);
});

test('script URLs, job references and plugins → manual steps; plugin secrets are named, not copied', () => {
  expect(step(yamlJob, 'download-the-smoke-test').kind).toBe('manual');
  const ref = step(yamlJob, 'run-the-rundeck-job-dr-payments-verify-dr');
  expect(ref.kind).toBe('manual');
  expect(String(ref.instructions)).toContain('dr/payments/Verify DR capacity');
  const plugin = step(yamlJob, 'snapshot-the-volume');
  expect(plugin.kind).toBe('manual');
  expect(String(plugin.instructions)).toContain('secretAccessKey: (not copied)');
});

test('error handlers: onFailure continue, a step that runs only on failure, and a stop unless the job keeps going', () => {
  expect(step(yamlJob, 'fence-the-primary-database').onFailure).toBe('continue');
  expect(step(yamlJob, 'fence-the-primary-database-on-error')).toMatchObject({
    needs: ['fence-the-primary-database'],
    when: "steps.fence-the-primary-database.status == 'failed'",
  });
  // keepgoingOnSuccess: the next command follows the handler.
  expect(step(yamlJob, 'check-replication-lag').needs).toEqual(['fence-the-primary-database-on-error']);
  // No keepgoingOnSuccess: a check stops the run for an operator's decision.
  expect(step(yamlJob, 'promote-the-standby-failed-stop')).toMatchObject({
    kind: 'check',
    needs: ['promote-the-standby-on-error'],
    expect: "steps.promote-the-standby.status != 'failed'",
  });
  expect(step(yamlJob, 'repoint-the-application').needs).toEqual(['promote-the-standby-failed-stop']);
});

test('node filter naming one node → the steps\' site; job settings drillbook has no place for are reported', () => {
  expect(step(yamlJob, 'fence-the-primary-database').site).toBe('db-b');
  expect(step(yamlJob, 'snapshot-the-volume').site).toBeUndefined();
  const notMapped = yamlJob.report.entries.filter((e) => e.status === 'not-mapped').map((e) => e.element);
  expect(notMapped).toEqual(['multipleExecutions', 'timeout', 'retry', 'schedule', 'notification']);
});

test('parallel strategy → no needs; keepgoing → onFailure continue; a node pattern is not a site; --job picks one job', () => {
  const smoke = importFixture('rundeck', 'smoke-tests.rundeck.yaml', { job: 'Smoke tests' });
  expect(smoke.loaded.diagnostics).toEqual([]);
  expect(smoke.data.steps.map((s) => [s.needs, s.onFailure, s.site])).toEqual([
    [undefined, 'continue', undefined],
    [undefined, 'continue', undefined],
    [undefined, 'continue', undefined],
  ]);
  expect(smoke.report.entries.find((e) => e.element === 'nodefilters')?.status).toBe('not-mapped');
  const rotate = importFixture('rundeck', 'smoke-tests.rundeck.yaml', { job: 'Rotate logs' });
  expect(rotate.data.steps.map((s) => s.id)).toEqual(['run-logrotate-f-etc-logrotate-d-payments']);
});

test('older forms: options as a map, a deprecated include filter, a strategy plugin', () => {
  const text = [
    '- name: Legacy job',
    '  options:',
    '    region: { value: eu, required: true }',
    '    token: { secure: true }',
    '  nodefilters:',
    '    include: { tags: dr-site }',
    '  sequence:',
    '    keepgoing: false',
    '    strategy: ruleset',
    '    commands:',
    '      - exec: /opt/bin/switch --region ${option.region} --node ${node.name}',
    '',
  ].join('\n');
  const { yaml, report } = importSource({ tool: 'rundeck', file: 'legacy.yaml', text, cwd: '/tmp', registry: adapterRegistry });
  const { plan, diagnostics } = loadRunbookText(yaml, 'legacy-draft.yaml', { registry: adapterRegistry });
  expect(diagnostics).toEqual([]);
  expect(plan!.params.map((p) => [p.name, p.type])).toEqual([
    ['region', 'string'],
    ['token', 'secret'],
  ]);
  const s = plan!.steps[0] as unknown as { site: string; action: { input: { argv: string[] } } };
  expect(s.site).toBe('dr-site');
  expect(s.action.input.argv).toEqual(['/opt/bin/switch', '--region', '${{ params.region }}', '--node', '${node.name}']);
  expect(yaml).toContain('TODO(import): ${node.name} is Rundeck node data');
  expect(report.entries.find((e) => e.element === 'sequence (strategy ruleset)')?.status).toBe('partial');
});
