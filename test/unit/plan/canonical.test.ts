import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../../src/plan/canonical';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';

const FIXTURE = path.join(__dirname, '../../fixtures/runbooks/valid/failover-payments.yaml');
const text = readFileSync(FIXTURE, 'utf8');
const hashOf = (yaml: string) => {
  const result = loadRunbookText(yaml, 'x.yaml', { registry: adapterRegistry });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.planHash as string;
};

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, null, 'é', 1.5e-7])).toBe('[null,null,"é",1.5e-7]');
  });

  it('refuses what JSON cannot represent', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ x: () => 1 })).toThrow(TypeError);
  });
});

describe('plan hash', () => {
  const base = hashOf(text);

  it('is stable: same text, reordered keys, comments and file name do not matter', () => {
    expect(hashOf(text)).toBe(base);
    const reordered = text.replace(
      'apiVersion: drillbook/v1\nname: failover-payments\nversion: "2.1"',
      'version: "2.1"\nname: failover-payments\napiVersion: drillbook/v1',
    );
    expect(reordered).not.toBe(text);
    expect(hashOf(reordered)).toBe(base);
    const swappedParams = text.replace(
      '  announce:\n    type: boolean\n    default: true\n',
      '',
    ).replace('params:\n', 'params:\n  announce:\n    type: boolean\n    default: true\n');
    expect(hashOf(swappedParams)).toBe(base);
    expect(hashOf(`# a new comment moves every line\n\n${text}`)).toBe(base);
  });

  it('changes when a step changes', () => {
    expect(hashOf(text.replace('duration: 1h30m', 'duration: 1h31m'))).not.toBe(base);
    expect(hashOf(text.replace('title: Let site B carry traffic', 'title: Soak'))).not.toBe(base);
  });
});
