/** The path parameters of the API's routes: described for the OpenAPI document, checked before they reach PostgreSQL or Temporal. */
import { z } from 'zod';
import { ApiError } from './errors';
import { unstorablePath } from './recorded-request';

const Id = (description: string) => z.string().min(1).describe(description);
const RunId = Id("the run's id (its Temporal workflow id)");

export const RunParams = z.object({ runId: RunId });
export const StepParams = z.object({ runId: RunId, stepId: Id('the step\'s id in the runbook, or `guard:<id>` for a guard (decide)') });

/** @throws ApiError 400 naming the parameter when it holds a NUL or invalid Unicode (neither store can take it). */
export function checkPathParams(params: { runId?: string; stepId?: string }): void {
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && unstorablePath(value) !== undefined) {
      throw new ApiError(400, 'invalid_request', `${name}: contains a NUL character or invalid Unicode`, name);
    }
  }
}
