/** Telling "Temporal cannot be reached" (the server down or restarting) from every other failure of a call. */
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC's UNAVAILABLE: no connection, or the server went away mid-call. */
const GRPC_UNAVAILABLE = 14;

/**
 * True when `err` (or its cause: the client wraps the gRPC error in a ServiceError) says the server
 * could not be reached, after the client's own retries: a call worth trying again once it is back.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && e.code === GRPC_UNAVAILABLE) return true;
  }
  return false;
}
