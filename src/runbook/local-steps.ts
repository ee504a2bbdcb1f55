/**
 * A local step runs in the worker that runs the workflow, so it cannot also be pinned to a site's
 * worker: refuse the combination rather than silently run a site's step in the wrong data center.
 */
import type { CheckContext } from './findings';
import type { LooseStep } from './step-graph';

export function checkLocalSteps(steps: LooseStep[], ctx: CheckContext): void {
  for (const step of steps) {
    if (step.raw.local === true && typeof step.raw.site === 'string') {
      ctx.report({
        path: [...step.path, 'local'],
        code: 'step.local_with_site',
        message: `step "${String(step.raw.id)}" is local and pinned to site "${step.raw.site}": a local step runs in the workflow's worker; drop one of them`,
      });
    }
  }
}
