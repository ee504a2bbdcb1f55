import { resolveParams } from '../../../src/plan/params';
import type { Plan } from '../../../src/plan/types';

const plan = {
  params: [
    { name: 'region', type: 'string', required: true },
    { name: 'maxLag', type: 'number', required: false, default: 1024 },
    { name: 'dryRun', type: 'boolean', required: false, default: false },
    { name: 'token', type: 'secret', required: true },
    { name: 'note', type: 'string', required: false },
  ],
} as unknown as Plan;

describe('resolveParams', () => {
  it('coerces CLI strings by type and applies defaults', () => {
    expect(resolveParams(plan, { region: 'eu', maxLag: ' 2e3 ', dryRun: 'true', token: 'env:TOKEN' })).toEqual({
      values: { region: 'eu', maxLag: 2000, dryRun: true, token: 'env:TOKEN' },
      errors: [],
    });
    expect(resolveParams(plan, { region: 'eu', token: 'file:/run/secrets/token' }).values).toEqual({
      region: 'eu',
      maxLag: 1024,
      dryRun: false,
      token: 'file:/run/secrets/token',
    });
  });

  it('accepts typed values (API bodies)', () => {
    expect(resolveParams(plan, { region: 'eu', maxLag: 5, dryRun: false, token: 'env:T' }).errors).toEqual([]);
  });

  it('refuses unknown, missing and mistyped params, naming each', () => {
    const { errors } = resolveParams(plan, { regoin: 'eu', maxLag: '12abc', dryRun: 'yes' });
    expect(errors).toEqual([
      'unknown param "regoin"; this runbook takes region, maxLag, dryRun, token, note',
      'missing required param "region" (string)',
      'param "maxLag": expected a number, got "12abc"',
      'param "dryRun": expected true or false, got "yes"',
      'missing required param "token" (secret)',
    ]);
  });

  it('refuses a secret given as a value, without echoing it', () => {
    const { errors } = resolveParams(plan, { region: 'eu', token: 'hunter2' });
    expect(errors).toEqual(['param "token": a secret is passed as a reference (env:NAME or file:/path), never as its value']);
    expect(errors.join()).not.toContain('hunter2');
  });
});
