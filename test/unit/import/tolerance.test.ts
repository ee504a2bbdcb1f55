import { mapTolerance, plainJsonPath, plainPattern } from '../../../src/import/chaostoolkit/tolerance';

test('exact values and lists compare the status Chaos Toolkit compares, and the adapter accepts them', () => {
  expect(mapTolerance(200, 'http')).toEqual({ expect: 'output.status == 200', httpStatus: [200] });
  expect(mapTolerance(0, 'process')).toEqual({ expect: 'output.exitCode == 0', exitCodes: [0] });
  expect(mapTolerance([200, 404], 'http')).toEqual({ expect: 'contains([200, 404], output.status)', httpStatus: [200, 404] });
});

test('regex: plain text with anchors maps; real regular expressions are a TODO', () => {
  expect(mapTolerance({ type: 'regex', pattern: '^ready\\.', target: 'stdout' }, 'process').expect).toBe("startsWith(output.stdout, 'ready.')");
  expect(mapTolerance({ type: 'regex', pattern: 'ok$', target: 'body' }, 'http').expect).toBe("endsWith((output.text ?? string(output.json)), 'ok')");
  expect(mapTolerance({ type: 'regex', pattern: "it's up", target: 'body' }, 'http').expect).toBe("contains((output.text ?? string(output.json)), 'it\\'s up')");
  expect(mapTolerance({ type: 'regex', pattern: '^up$', target: 'stdout' }, 'process').expect).toBe("output.stdout == 'up'");
  const todo = mapTolerance({ type: 'regex', pattern: '[0-9]{3}', target: 'stdout' }, 'process');
  expect(todo.expect).toBe('true');
  expect(todo.todo).toMatch(/no regular expressions/);
  expect(plainPattern('a\\d')).toBeUndefined();
});

test('JSONPath: a plain path over the body maps to output.json; others are a TODO', () => {
  expect(mapTolerance({ type: 'jsonpath', path: '$.db.primary', expect: 'site-a', target: 'body' }, 'http').expect).toBe("output.json.db.primary == 'site-a'");
  expect(mapTolerance({ type: 'jsonpath', path: "$.nodes[0]['x-state']", expect: ['up'], target: 'body' }, 'http').expect).toBe(
    "output.json.nodes[0]['x-state'] == 'up'",
  );
  expect(mapTolerance({ type: 'jsonpath', path: '$.body.ready' }, 'http').expect).toBe('output.json.ready != null');
  expect(mapTolerance({ type: 'jsonpath', path: '$.items[*].ok', expect: true, target: 'body' }, 'http').todo).toMatch(/plain JSONPath/);
  expect(mapTolerance({ type: 'jsonpath', path: '$.ok', target: 'stdout' }, 'process').todo).toMatch(/does not parse as JSON/);
  expect(plainJsonPath('a.b[2]')).toEqual(['a', 'b', 2]);
});

test('range over a numeric target; probe tolerances and whole-result scalars are a TODO', () => {
  expect(mapTolerance({ type: 'range', range: [0, 5], target: 'stdout' }, 'process').expect).toBe('number(output.stdout) >= 0 && number(output.stdout) <= 5');
  expect(mapTolerance({ type: 'range', range: [200, 299], target: 'status' }, 'http').expect).toBe('output.status >= 200 && output.status <= 299');
  expect(mapTolerance({ type: 'range', range: [0, 5] }, 'http').todo).toMatch(/range over "the whole result"/);
  expect(mapTolerance({ type: 'probe', name: 'p', provider: { type: 'python' } }, 'http').todo).toMatch(/probe as tolerance/);
  expect(mapTolerance(true, 'http').todo).toMatch(/whole http result/);
});
