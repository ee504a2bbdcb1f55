/** The runbook's own size limit on `POST /api/runs` (DRILLBOOK_RUNBOOK_MAX_BYTES), before it is parsed. */
import type { ApiLimits } from './api-limits';
import { ApiError } from './errors';

/** @throws ApiError 400 on `runbook` when its UTF-8 text is larger than the limit. */
export function checkRunbookSize(runbook: string, limits: ApiLimits): void {
  // A UTF-8 character is at most 3 bytes per UTF-16 code unit: most texts need no count.
  if (runbook.length * 3 <= limits.runbookMaxBytes) return;
  const bytes = Buffer.byteLength(runbook, 'utf8');
  if (bytes > limits.runbookMaxBytes) {
    throw new ApiError(400, 'runbook_too_large', `runbook: ${bytes} bytes, more than ${limits.runbookMaxBytes} (DRILLBOOK_RUNBOOK_MAX_BYTES)`, 'runbook');
  }
}
