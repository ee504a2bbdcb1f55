/**
 * The front door's limits come from the environment and are checked at start, each bad value named:
 * in `apiLimitsFromEnv`, and through the compiled CLI (`drillbook serve` stops with exit 5 before it
 * opens anything).
 */
import { apiLimitsFromEnv, DEFAULT_API_LIMITS } from '../../../src/api/api-limits';
import { runCli } from '../../support/cli';

test('defaults, and each variable parsed', () => {
  expect(apiLimitsFromEnv({})).toEqual(DEFAULT_API_LIMITS);
  expect(
    apiLimitsFromEnv({
      DRILLBOOK_API_BODY_LIMIT: '4096',
      DRILLBOOK_API_AUTH_FAILURES: '3',
      DRILLBOOK_API_LOCKOUT_WINDOW: '1h30m',
      DRILLBOOK_API_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      DRILLBOOK_SESSION_IDLE: '15m',
      DRILLBOOK_SESSION_MAX: '8h',
    }),
  ).toEqual({ bodyLimit: 4096, authFailures: 3, lockoutWindowMs: 5_400_000, trustProxy: '10.0.0.0/8,127.0.0.1', sessionIdleMs: 900_000, sessionMaxMs: 28_800_000 });
  expect(apiLimitsFromEnv({ DRILLBOOK_API_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
});

test('a bad value is refused with its name', () => {
  const bad = (env: NodeJS.ProcessEnv) => () => apiLimitsFromEnv(env);
  expect(bad({ DRILLBOOK_API_BODY_LIMIT: 'abc' })).toThrow(/DRILLBOOK_API_BODY_LIMIT: expected a whole number/);
  expect(bad({ DRILLBOOK_API_BODY_LIMIT: '10' })).toThrow(/DRILLBOOK_API_BODY_LIMIT/);
  expect(bad({ DRILLBOOK_API_AUTH_FAILURES: '0' })).toThrow(/DRILLBOOK_API_AUTH_FAILURES/);
  expect(bad({ DRILLBOOK_API_LOCKOUT_WINDOW: '15' })).toThrow(/DRILLBOOK_API_LOCKOUT_WINDOW: duration "15" has no unit/);
  expect(bad({ DRILLBOOK_API_LOCKOUT_WINDOW: '10ms' })).toThrow(/DRILLBOOK_API_LOCKOUT_WINDOW: at least 1s/);
  expect(bad({ DRILLBOOK_API_TRUST_PROXY: 'yes please' })).toThrow(/DRILLBOOK_API_TRUST_PROXY/);
  expect(bad({ DRILLBOOK_SESSION_IDLE: '10s' })).toThrow(/DRILLBOOK_SESSION_IDLE: at least 1m/);
  expect(bad({ DRILLBOOK_SESSION_MAX: 'soon' })).toThrow(/DRILLBOOK_SESSION_MAX/);
});

test('drillbook serve with a bad limit: exit 5, the variable named, no stack trace', async () => {
  const outcome = await runCli(['serve', '--port', '18099'], { env: { DRILLBOOK_API_LOCKOUT_WINDOW: 'soon' } });
  expect(outcome.code).toBe(5);
  expect(outcome.stderr).toMatch(/DRILLBOOK_API_LOCKOUT_WINDOW: invalid duration "soon"/);
  expect(outcome.stderr).not.toMatch(/\n\s+at /);
});
