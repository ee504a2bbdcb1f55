/**
 * The front door's defences, registered on the API in one call (issue 14): the JSON parser that keeps
 * raw bodies for the refusal records, the lockout after failed authentications, the framework's
 * refusals recorded and every 5xx answered without internal text, and the runbook parse pool.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { ApiLimits } from './api-limits';
import { registerAuthLockout } from './auth-lockout';
import { registerFrameworkRefusals } from './framework-refusals';
import { keepRawJsonBodies } from './raw-body';
import { RunbookParsePool } from './runbook-parse-pool';

export interface FrontDoor {
  limits: ApiLimits;
  parsePool: RunbookParsePool;
}

export function registerFrontDoor(app: FastifyInstance, db: Kysely<Database>, limits: ApiLimits): FrontDoor {
  keepRawJsonBodies(app);
  registerFrameworkRefusals(app, db, limits);
  registerAuthLockout(app, db, limits);
  const parsePool = new RunbookParsePool();
  app.addHook('onClose', () => parsePool.close());
  return { limits, parsePool };
}
