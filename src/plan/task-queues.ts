/** Task-queue names: one queue for the run's own steps, one per site for steps pinned to a site. */
export const DEFAULT_TASK_QUEUE = 'drillbook';

export function siteTaskQueue(site: string): string {
  return `${DEFAULT_TASK_QUEUE}-${site}`;
}

/** The programme's task queue beside a run queue: `<runQueue>-programme`. */
export function programmeTaskQueue(runQueue: string): string {
  return `${runQueue}-programme`;
}
