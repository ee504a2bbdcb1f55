/** Campaign files from disk: the campaign read, each phase's runbook read relative to it (CLI, tests). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadCampaignText, type CampaignLoadOptions, type CampaignLoadResult } from './campaign';
import { loadRunbookFile } from './load';
import type { ValidateOptions } from './validate';

/** Never rejects; an unreadable campaign (or runbook) is a diagnostic too. */
export async function loadCampaignFile(file: string, options: ValidateOptions & Omit<CampaignLoadOptions, 'loadRunbook'>): Promise<CampaignLoadResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { diagnostics: [{ file, line: 1, col: 1, path: [], code: 'file.unreadable', message: `cannot read campaign: ${reason}`, severity: 'error' }] };
  }
  return loadCampaignText(text, file, { ...options, loadRunbook: (ref) => loadRunbookFile(resolve(dirname(file), ref), options) });
}
