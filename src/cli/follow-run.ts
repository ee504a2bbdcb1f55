/** Waits for a run to end, optionally redrawing its progress in the terminal as it goes. */
import type { WorkflowHandle } from '@temporalio/client';
import { getProgress, type RunResult } from '../../workflows/messages';
import type { runDrill } from '../../workflows/run-drill';
import { renderProgress } from './render-progress';

/** How often the live view asks the workflow for progress: fluid for a person, cheap for Temporal. */
const REFRESH_MS = 500;

export async function followRun(handle: WorkflowHandle<typeof runDrill>, opts: { live: boolean }): Promise<RunResult> {
  const result = handle.result();
  if (!opts.live) return result;
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  let lastLines = 0;
  const draw = async () => {
    const text = renderProgress(await handle.query(getProgress));
    // Redraw in place on a terminal; print once per change elsewhere.
    if (process.stdout.isTTY && lastLines) process.stdout.write(`\x1b[${lastLines}A\x1b[J`);
    process.stdout.write(`${text}\n`);
    lastLines = text.split('\n').length;
  };
  while (!done) {
    await draw().catch(() => undefined);
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, REFRESH_MS))]);
  }
  await draw().catch(() => undefined);
  return result;
}
