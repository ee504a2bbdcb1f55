/** The body format's two halves agree: what the writer writes, the verifier's in-place check accepts. */
import { canonicalJson } from '../../../src/plan/canonical';
import { bodyHasHeader, eventBodyJson, type EventBody } from '../../../src/audit/event-body';

const header: Omit<EventBody, 'data'> = {
  chainId: 'run-1', seq: 12, key: 'run-1/promote/1/completed', type: 'step.completed', runId: 'run-1',
  stepId: 'promote', actor: 'worker@site-a', at: '2025-03-01T02:03:04.567Z',
};
const stored = (h: Omit<EventBody, 'data'>) => ({ ...h, atMs: Date.parse(h.at) });

describe('event body', () => {
  it('is the canonical JSON of the event', () => {
    const data = { b: [1, 'two', null], a: { z: true } };
    expect(eventBodyJson(header, canonicalJson(data))).toBe(canonicalJson({ ...header, data }));
  });

  it.each([
    ['plain', header],
    ['null run and step', { ...header, runId: null, stepId: null }],
    ['escapes', { ...header, actor: 'o"brien\\ops\n', key: 'k\u0001', stepId: 'ünïcødé 🚒', type: 'a/b' }],
  ])('is recognised from its columns: %s', (_name, h) => {
    for (const data of ['{}', '"x"', '{"key":"forged","type":"x"}']) {
      expect(bodyHasHeader(eventBodyJson(h, data), stored(h))).toBe(true);
    }
  });

  it.each<[string, Partial<EventBody> & { atMs?: number }]>([
    ['actor', { actor: 'worker@site-b' }],
    ['chain', { chainId: 'run-2' }],
    ['seq', { seq: 13 }],
    ['key', { key: 'run-1/promote/1/started' }],
    ['type', { type: 'step.failed' }],
    ['run', { runId: null }],
    ['step', { stepId: 'promote2' }],
    ['at', { atMs: Date.parse(header.at) + 1 }],
  ])('tells a column that differs from the body: %s', (_name, change) => {
    const body = eventBodyJson(header, '{"ok":true}');
    expect(bodyHasHeader(body, { ...stored(header), ...change })).toBe(false);
  });

  it('refuses a body that is not in canonical form', () => {
    const body = eventBodyJson(header, '{}');
    expect(bodyHasHeader(body.replace('"data":{}', '"data": {}'), stored(header))).toBe(true); // data is opaque
    expect(bodyHasHeader(body.replace('{"actor":', '{ "actor":'), stored(header))).toBe(false);
    expect(bodyHasHeader(body.replace('"data":{}', '"data":'), stored(header))).toBe(false);
  });
});
