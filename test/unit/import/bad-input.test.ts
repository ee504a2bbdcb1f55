/** Bad input is refused with a located error (file:line:col) and nothing else: no draft, no report. */
import { ImportRefused, formatProblem } from '../../../src/import/import-error';
import { adapterRegistry } from '../../../activities/adapters/index';
import { importSource, type ImportTool } from '../../../src/import/import-source';

function refusal(tool: ImportTool, file: string, text: string, job?: string): string[] {
  try {
    importSource({ tool, file, text, cwd: '/tmp', job, registry: adapterRegistry });
  } catch (err) {
    if (err instanceof ImportRefused) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('the import was not refused');
}

const experiment = (extra: string) => `{
  "version": "1.0.0",
  "title": "t",
  "description": "d",
  "method": [
    { "type": "action", "name": "a", "provider": { "type": "process", "path": "/bin/true" } }
  ]${extra}
}
`;

test('Chaos Toolkit: not JSON, not YAML, not an experiment, an unknown version, a broken activity', () => {
  expect(refusal('chaostoolkit', 'x.json', experiment(',\n'))).toEqual([
    'x.json:9:1: error: not valid JSON: Expected double-quoted property name',
  ]);
  expect(refusal('chaostoolkit', 'x.yaml', 'title: [unclosed\n')[0]).toMatch(/^x\.yaml:2:1: error: invalid YAML: /);
  expect(refusal('chaostoolkit', 'runbook.yaml', 'apiVersion: drillbook/v1\nname: x\nsteps: []\n')).toEqual([
    'runbook.yaml:1:1: error: not a Chaos Toolkit experiment: expected a mapping with title, description and method',
  ]);
  expect(refusal('chaostoolkit', 'x.json', experiment('').replace('"1.0.0"', '"2.0.0"'))).toEqual([
    'x.json:2:14: error: unknown experiment version "2.0.0": this importer knows 0.1.0 and 1.x',
  ]);
  expect(refusal('chaostoolkit', 'x.json', experiment('').replace('"process"', '"grpc"'))).toEqual([
    'x.json:6:60: error: a provider\'s type is one of python, http, process',
  ]);
  expect(refusal('chaostoolkit', 'x.json', experiment(',\n  "steady-state-hypothesis": { "title": "h", "probes": [ { "type": "probe", "name": "p", "provider": { "type": "http", "url": "http://a" } } ] }'))).toEqual([
    'x.json:8:58: error: a steady-state probe needs a tolerance',
  ]);
});

test('Rundeck: not XML, not a job list, no sequence, several jobs without --job, an unknown job', () => {
  expect(refusal('rundeck', 'job.xml', '<joblist>\n  <job>\n    <name>x</name>\n  </jbo>\n</joblist>\n')).toEqual([
    'job.xml:4:3: error: not valid XML: Opening and ending tag mismatch: "job" != "jbo"',
  ]);
  expect(refusal('rundeck', 'job.xml', '<joblist>\n  <job x="1>\n</joblist>')[0]).toMatch(/^job\.xml:\d+:\d+: error: not valid XML: /);
  expect(refusal('rundeck', 'job.xml', '<?xml version="1.0"?>\n<project name="x"/>\n')).toEqual([
    'job.xml:2:1: error: not a Rundeck job definition: the root element is <project>, expected <joblist>',
  ]);
  expect(refusal('rundeck', 'job.xml', '<joblist>\n  <job>\n    <name>x</name>\n  </job>\n</joblist>\n')).toEqual([
    'job.xml:2:3: error: not a Rundeck job: no <sequence> of commands',
  ]);
  expect(refusal('rundeck', 'job.yaml', '- name: a\n  sequence:\n    commands: []\n')).toEqual([
    "job.yaml:3:15: error: a job's sequence needs a non-empty list of commands",
  ]);
  expect(refusal('rundeck', 'job.yaml', 'name: a\ndescription: no sequence here\n')).toEqual([
    'job.yaml:1:1: error: not a Rundeck job: a job is a mapping with a name and a sequence of commands',
  ]);
  const two = '- name: a\n  sequence: { commands: [ { exec: "true" } ] }\n- name: b\n  sequence: { commands: [ { exec: "true" } ] }\n';
  expect(refusal('rundeck', 'jobs.yaml', two)).toEqual(['jobs.yaml:1:1: error: the file holds 2 jobs ("a", "b"): choose one with --job NAME']);
  expect(refusal('rundeck', 'jobs.yaml', two, 'c')).toEqual(['jobs.yaml:1:1: error: no job named "c" in the file (its jobs: "a", "b")']);
});
