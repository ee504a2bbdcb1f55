/** Where the project lives on disk, wherever the code runs from (sources under jest, dist/ when built). */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(__dirname);
/** The data folder: the dev server's SQLite file, logs, lab data. DRILLBOOK_DATA_DIR overrides it. */
export const dataDir = process.env.DRILLBOOK_DATA_DIR ?? path.join(projectRoot, '.data');
