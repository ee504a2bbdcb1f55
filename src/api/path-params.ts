/** The run and step ids of a request's path, checked before they reach PostgreSQL or Temporal. */
import { ApiError } from './errors';
import { unstorablePath } from './recorded-request';

/** @throws ApiError 400 naming the parameter when it holds a NUL or invalid Unicode (neither store can take it). */
export function checkPathParams(params: { runId?: string; stepId?: string }): void {
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && unstorablePath(value) !== undefined) {
      throw new ApiError(400, 'invalid_request', `${name}: contains a NUL character or invalid Unicode`, name);
    }
  }
}
