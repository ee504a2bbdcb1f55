import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';

test('a template inside SQL text is refused at validate time, with its position', () => {
  const yaml = `apiVersion: drillbook/v1
name: sql-template
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m, rpo: 0s }
params:
  account: { type: string, required: true }
steps:
  - id: lookup
    title: lookup
    kind: action
    action:
      adapter: postgres
      input:
        operation: query
        url: postgres://127.0.0.1/test
        sql: "SELECT * FROM t WHERE a = '\${{ params.account }}'"
`;
  const { plan, diagnostics } = loadRunbookText(yaml, 'sql.yaml', { registry: adapterRegistry });
  expect(plan).toBeUndefined();
  const sqlIssue = diagnostics.find((d) => d.message.includes('no templates in sql'));
  expect(sqlIssue).toMatchObject({ file: 'sql.yaml', line: 18, severity: 'error' });
});
