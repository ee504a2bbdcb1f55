/** Waits for a run to end, optionally redrawing its progress in the terminal as it goes. */
import type { WorkflowHandle } from '@temporalio/client';
import { getProgress, type RunResult } from '../plan/run-messages';
import type { runDrill } from '../../workflows/run-drill/run-drill';
import { renderProgress } from './render-progress';

/** How often the live view asks the workflow for progress: fluid for a person, cheap for Temporal. */
const REFRESH_MS = 500;

export async function followRun(handle: WorkflowHandle<typeof runDrill>, opts: { live: boolean }): Promise<RunResult> {
  const result = handle.result();
  if (!opts.live) return result;
  let done = false;
  void result.finally(() => (done = true)).catch(() => undefined);
  let lastLines = 0;
  let lastStates = '';
  const draw = async () => {
    const progress = await handle.query(getProgress);
    const text = renderProgress(progress);
    if (process.stdout.isTTY) {
      // Redraw in place on a terminal.
      if (lastLines) process.stdout.write(`\x1b[${lastLines}A\x1b[J`);
    } else {
      // Elsewhere (a log, a pipe), print only when a state changed.
      const states = `${progress.state}|${progress.steps.map((s) => s.state).join(',')}`;
      if (states === lastStates) return;
      lastStates = states;
    }
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
