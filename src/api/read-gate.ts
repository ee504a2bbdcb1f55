/**
 * A read route behind the one gate: authenticate, authorise the act (`read` unless said otherwise),
 * then answer; any refusal or error in the API's shape (errors.ts), 5xx without internal text.
 * Reads change nothing and are not recorded; refusals of unknown tokens count toward the lockout.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { authenticate, authorize, type Identity } from '../auth/authenticate';
import type { HumanAction } from '../auth/roles';
import { toErrorAnswer } from './errors';

export type ReadHandler<R extends FastifyRequest> = (req: R, reply: FastifyReply, identity: Identity) => Promise<unknown>;

export function behindGate<R extends FastifyRequest>(db: Kysely<Database>, handler: ReadHandler<R>, action: HumanAction = 'read') {
  return async (req: R, reply: FastifyReply) => {
    try {
      const identity = await authenticate(db, req);
      authorize(identity, action);
      return await handler(req, reply, identity);
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  };
}
