/**
 * HTML → PDF with Debian's headless Chromium, started from an argv (never a shell string). The HTML is
 * written to a private temporary folder and printed from a file:// URL.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHROMIUM = process.env.DRILLBOOK_CHROMIUM ?? '/usr/bin/chromium';

/** @throws Error saying what to install when Chromium is missing, or Chromium's own error. */
export async function htmlToPdf(html: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-pdf-'));
  try {
    const input = path.join(dir, 'report.html');
    const output = path.join(dir, 'report.pdf');
    writeFileSync(input, html);
    try {
      // 60 s: a cold start of Chromium on a busy 2-core machine takes several seconds.
      await run(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--user-data-dir=${path.join(dir, 'profile')}`, `--print-to-pdf=${output}`, `file://${input}`], { timeout: 60_000 });
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new Error(`PDF needs Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set DRILLBOOK_CHROMIUM`);
      throw err;
    }
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
