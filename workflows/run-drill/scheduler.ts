/**
 * Which steps start when: steps start in plan order as soon as their needs allow, all of them in one
 * cancellation scope that abort cancels. Synchronous: the run's main loop awaits, never this.
 */
import type { PlanStep } from '../../src/plan/types';
import type { RunContext } from './state';
import { runStep } from './step-execution';

export class Scheduler {
  /** Steps not launched yet, in plan order. A sequence's members are run by their sequence, never launched on their own. */
  private unlaunched: PlanStep[];

  constructor(private readonly run: RunContext) {
    this.unlaunched = run.input.plan.steps.filter((step) => !step.sequence);
  }

  /**
   * Launches the steps that became ready. Only steps not yet launched are scanned, in plan order: a
   * 500-step fan-out launches all of them on the first pass and never scans them again (the order of
   * commands is unchanged).
   */
  launchReady(): void {
    const ready: PlanStep[] = [];
    this.unlaunched = this.unlaunched.filter((step) => {
      if (this.run.progress.get(step.id)!.state !== 'pending') return false;
      if (!this.isReady(step)) return true;
      this.run.active.add(step.id);
      ready.push(step);
      return false;
    });
    if (ready.length) this.launch(ready);
  }

  /** A step may start when each need has completed, was skipped, or failed with `onFailure: continue`. */
  private isReady(step: PlanStep): boolean {
    return step.needs.every((id) => {
      const need = this.run.progress.get(id)!;
      if (this.run.active.has(id)) return false;
      if (need.state === 'completed' || need.state === 'skipped') return true;
      const needStep = this.run.stepsById.get(id)!;
      return need.state === 'failed' && needStep.onFailure === 'continue';
    });
  }

  /**
   * Starts steps (already marked active) in plan order, all in ONE run of the step scope so that
   * abort's cancel() reaches their activities: each promise in workflow code costs the SDK a stack
   * capture, so a step gets no scope run and no catch/finally chain of its own.
   */
  private launch(steps: PlanStep[]): void {
    const run = this.run;
    void run.stepScope.run(async () => {
      for (const step of steps) {
        const done = () => {
          run.active.delete(step.id);
          run.readyChanged = true;
        };
        // Every failure is handled in runStep; cancellation ends here.
        void runStep(run, step).then(done, done);
      }
    });
  }
}
