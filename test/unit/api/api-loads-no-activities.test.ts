/**
 * The API's process loads no activity and no adapter: it starts and reads through Temporal and the
 * trail, never calls infrastructure itself. (An adapter's schemas loaded there also leak recursive
 * JSON definitions into the OpenAPI document.) Loaded in a fresh Node process, as `serve` loads it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../../..');

test('loading src/api/app loads nothing from activities/', () => {
  const script = `require(${JSON.stringify(path.join(root, 'scripts/register-typescript.js'))});
require(${JSON.stringify(path.join(root, 'src/api/app.ts'))});
const loaded = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(path.join(root, 'activities') + path.sep)}));
process.stdout.write(JSON.stringify(loaded.map((f) => f.slice(${root.length + 1}))));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual([]);
}, 90_000);
