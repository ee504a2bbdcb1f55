/**
 * What a worker process does with its secrets at start, before any step runs (`worker`, `dev`,
 * `demo`): fix the secret scope from the configuration read at start, then move the scope's variables
 * and the worker's own credentials out of the environment (activities/secret-store.ts), so that no
 * child — an `exec` step reading /proc/$PPID/environ — finds them.
 */
import { holdSecretsInMemory } from '../../activities/secret-store';
import { setSecretScope } from '../../activities/secrets';
import { secretScopeOf, type Config } from '../config/config';

export function holdWorkerSecrets(config: Config): void {
  const scope = secretScopeOf(config);
  setSecretScope(scope);
  const { names, wiped } = holdSecretsInMemory(scope);
  if (names.length > 0 && !wiped) {
    process.stderr.write(
      `drillbook: warning: ${names.join(', ')} removed from process.env, but this system did not let the worker wipe ` +
        `its initial environment block: a process of the same user may still read them in /proc/${process.pid}/environ\n`,
    );
  }
}
