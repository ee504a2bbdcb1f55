/**
 * The access review through the API (the console's Admin page, read side): which roles may do what,
 * and a user's tokens — prefixes, labels and dates, never a token or its hash. Admins and auditors
 * (`reviewAccess`); the changes stay admin-only in routes/users.ts.
 *
 *   GET /api/roles                 the built-in roles and the acts each may perform
 *   GET /api/users/:name/tokens    a user's tokens (active, revoked, expired)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACTION_ROLES, BUILTIN_ROLES } from '../../auth/roles';
import { getUser, listTokens, USER_NAME_PATTERN } from '../../auth/users';
import type { ApiDeps } from '../app';
import { ApiError } from '../errors';
import { answers } from '../openapi';
import { parseQuery } from '../query';
import { behindGate } from '../read-gate';
import { RolesAnswer, TokensAnswer } from '../report-answers';

const NameParams = z.object({ name: z.string().regex(USER_NAME_PATTERN, 'a user name: lowercase letters, digits, ".", "_", "-", starting with a letter').describe('a user name') });

export function registerAccessRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;

  app.get(
    '/api/roles',
    { schema: { summary: 'the built-in roles and what each may do (admin, auditor)', response: answers({ status: 200, schema: RolesAnswer }, [403]) } },
    behindGate(db, async () => ({
      roles: BUILTIN_ROLES.map((role) => ({ role, may: Object.entries(ACTION_ROLES).filter(([, roles]) => (roles as readonly string[]).includes(role)).map(([act]) => act) })),
      actions: ACTION_ROLES,
    }), 'reviewAccess'),
  );

  app.get<{ Params: { name: string } }>(
    '/api/users/:name/tokens',
    { schema: { summary: "a user's tokens: prefix, label, dates, state — never the token (admin, auditor)", params: NameParams, response: answers({ status: 200, schema: TokensAnswer }, [400, 403, 404]) } },
    behindGate(db, async (req: FastifyRequest<{ Params: { name: string } }>) => {
      const { name } = parseQuery(NameParams, req.params, 'invalid_request');
      if (!(await getUser(db, name))) throw new ApiError(404, 'not_found', `no user "${name}"`, 'name');
      return { name, tokens: await listTokens(db, name) };
    }, 'reviewAccess'),
  );
}
