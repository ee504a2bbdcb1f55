/** The front door's key, as the benchmarks sign their runs with it (DRILLBOOK_SIGNING_KEY, or the dev pair). */
import type { ActionSigner } from '../src/security/action-signer';
import { loadActionSigner } from '../src/security/signing-keys';

let signer: Promise<ActionSigner> | undefined;

export function benchSigner(): Promise<ActionSigner> {
  signer ??= loadActionSigner();
  return signer;
}
