/**
 * What `validate` refuses about secrets and shells: references outside the worker's scope
 * (`file:/etc/shadow`, `env:HOME`), and templates inside a `sh -c` script unless the param is
 * declared safe by a pattern; and the pattern checked against a value when a run starts.
 */
import { formatDiagnostic } from '../../../src/runbook/diagnostics';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';
import { resolveParams } from '../../../src/plan/params';
import { configuredSecretRefCheck } from '../../../src/config/secret-scope';

const scope = { envNames: ['DRILLBOOK_SECRET_*', 'VAULT_TOKEN'], dirs: ['/etc/drillbook/secrets'] };

function load(yaml: string) {
  return loadRunbookText(yaml, 't.yaml', { registry: adapterRegistry, secretScope: scope });
}
function errors(yaml: string): string[] {
  return load(yaml).diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

const runbook = (params: string, steps: string) => `apiVersion: drillbook/v1
name: t
version: "1"
owners: [sre]
services: [core]
params:
${params}
steps:
${steps}`;

describe('secret references outside the scope', () => {
  it('refuses file:/etc/shadow, `..` and env:HOME where they are written, and accepts the scope', () => {
    const yaml = runbook(
      `  a: { type: secret, default: "file:/etc/shadow" }
  b: { type: secret, default: "env:HOME" }
  c: { type: secret, default: "file:/etc/drillbook/secrets/../../shadow" }
  ok1: { type: secret, default: "env:DRILLBOOK_SECRET_DB" }
  ok2: { type: secret, default: "env:VAULT_TOKEN" }
  ok3: { type: secret, default: "file:/etc/drillbook/secrets/db/password" }`,
      `  - id: call
    title: call
    kind: action
    action:
      adapter: http
      input:
        url: https://dr.example/x
        headersFromSecrets: { Authorization: "env:DATABASE_URL", X-Ok: "env:DRILLBOOK_SECRET_X", X-T: "\${{ params.b }}" }
  - id: run
    title: run
    kind: action
    action: { adapter: exec, input: { argv: [tool], envFromSecrets: { PW: "file:/root/.pgpass" } } }
  - id: db
    title: db
    kind: check
    probe: { adapter: postgres, input: { operation: isInRecovery, url: "env:PGPASSWORD" } }
    expect: output.inRecovery == false`,
    );
    const found = errors(yaml);
    expect(found).toEqual([
      expect.stringMatching(/^t\.yaml:7:31: error: secret file:\/etc\/shadow is outside this worker's scope: file: references must be inside \/etc\/drillbook\/secrets \(DRILLBOOK_SECRETS_DIRS\)$/),
      expect.stringMatching(/^t\.yaml:8:31: error: secret env:HOME is outside this worker's scope: env: names allowed are DRILLBOOK_SECRET_\*, VAULT_TOKEN/),
      expect.stringMatching(/^t\.yaml:9:31: error: secret file:\/etc\/drillbook\/secrets\/\.\.\/\.\.\/shadow is outside/),
      expect.stringMatching(/^t\.yaml:\d+:\d+: error: secret env:DATABASE_URL is outside/),
      expect.stringMatching(/^t\.yaml:\d+:\d+: error: secret file:\/root\/\.pgpass is outside/),
      expect.stringMatching(/^t\.yaml:\d+:\d+: error: secret env:PGPASSWORD is outside/),
    ]);
  });

  it('checks secret params given at start against the scope of this process (default DRILLBOOK_SECRET_*)', () => {
    const { plan } = load(runbook('  token: { type: secret }', '  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }'));
    const check = configuredSecretRefCheck({});
    expect(resolveParams(plan!, { token: 'env:HOME' }, { checkSecretRef: check }).errors).toEqual([
      expect.stringContaining('param "token": secret env:HOME is outside this worker\'s scope'),
    ]);
    expect(resolveParams(plan!, { token: 'file:/etc/shadow' }, { checkSecretRef: check }).errors).toHaveLength(1);
    expect(resolveParams(plan!, { token: 'env:DRILLBOOK_SECRET_T' }, { checkSecretRef: check }).errors).toEqual([]);
  });
});

describe('templates in shell scripts', () => {
  const step = (argv: string) => `  - id: sh
    title: sh
    kind: action
    action: { adapter: exec, input: { argv: ${argv} } }`;
  const params = `  x: { type: string }
  safe: { type: string, pattern: "[a-z0-9-]{1,40}" }
  n: { type: number, default: 3 }`;

  it('refuses a template in the script of sh -c, located at the template', () => {
    const found = errors(runbook(params, step(`["/bin/sh", "-c", "echo \${{ params.x }}"]`)));
    expect(found).toEqual([
      't.yaml:14:73: error: a template in a shell script (sh -c) makes a value code: params.x is not declared safe. Pass the value as an argument after the script ("$1") or give the string param a `pattern`',
    ]);
  });

  it('sees through wrappers and combined options: env, sudo, timeout, bash -ec, zsh -o x -c', () => {
    for (const argv of [
      `["env", "A=1", "bash", "-ec", "echo \${{ params.x }}"]`,
      `["sudo", "-u", "postgres", "dash", "-c", "psql -c \${{ params.x }}"]`,
      `["timeout", "30", "/usr/bin/zsh", "-o", "pipefail", "-c", "x\${{ params.x }}"]`,
      `["ksh", "-c", "echo \${{ steps.sh.status }}"]`,
    ]) {
      expect(errors(runbook(params, step(argv))).filter((e) => e.includes('shell script'))).toHaveLength(1);
    }
  });

  it('accepts patterned, number and mode values, templates passed as arguments, and non-shell programs', () => {
    for (const argv of [
      `["sh", "-c", "echo \${{ params.safe }} \${{ params.n }} \${{ mode }}"]`,
      `["sh", "-c", "echo \\"$1\\"", "sh", "\${{ params.x }}"]`,
      `["psql", "-c", "\${{ params.x }}"]`,
      `["bash", "/opt/script.sh", "\${{ params.x }}"]`,
    ]) {
      expect(errors(runbook(params, step(argv)))).toEqual([]);
    }
  });

  it('checks the pattern against the whole value when a run starts', () => {
    const { plan } = load(runbook(params, step(`["sh", "-c", "echo \${{ params.safe }}"]`)));
    expect(plan!.params.find((p) => p.name === 'safe')!.pattern).toBe('[a-z0-9-]{1,40}');
    expect(resolveParams(plan!, { x: '', safe: 'site-b' }).errors).toEqual([]);
    expect(resolveParams(plan!, { x: '', safe: 'b; rm -rf /' }).errors).toEqual(['param "safe": "b; rm -rf /" does not match the pattern [a-z0-9-]{1,40}']);
  });

  it('refuses a pattern on a non-string param, an invalid pattern, and a default that does not match', () => {
    const found = errors(
      runbook(
        `  a: { type: number, pattern: "[0-9]+" }
  b: { type: string, pattern: "([a-z" }
  c: { type: string, pattern: "[a-z]+", default: "ABC" }`,
        '  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }',
      ),
    );
    expect(found).toEqual([
      expect.stringContaining('pattern applies to string params only'),
      expect.stringContaining('pattern is not a valid regular expression'),
      expect.stringContaining("the default does not match the param's pattern"),
    ]);
  });
});
