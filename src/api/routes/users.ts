/**
 * Users, roles and tokens through the API (`drillbook users …`): admin only, every attempt audited
 * (`action.requested` / `action.refused`, action `manageUsers`), each change an event on the `users`
 * chain (src/auth/user-admin.ts). A token is in the answer once and never in the trail.
 *
 *   GET  /api/users                            admin   users, roles, disabled
 *   POST /api/users                            admin   { name, roles, displayName? } create, or set the roles
 *   POST /api/users/:name/tokens               admin   { label?, expiresInDays? } → 201 { token, prefix, … }
 *   POST /api/users/:name/tokens/revoke        admin   { prefix? } all of the user's tokens, or one
 *   POST /api/users/:name/disable              admin   {} the user's tokens stop working
 *   POST /api/users/:name/enable               admin   {}
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate, authorize } from '../../auth/authenticate';
import { ROLE_PATTERN } from '../../auth/roles';
import { UserChangeError, addUserAudited, issueTokenAudited, revokeTokensAudited, setDisabledAudited } from '../../auth/user-admin';
import { USER_NAME_PATTERN, listUsers } from '../../auth/users';
import type { ApiDeps } from '../app';
import { auditedRequest } from '../audited-request';
import { ApiError, toErrorAnswer } from '../errors';
import { answers, auditedRoute } from '../openapi';
import { DisabledAnswer, RevokedAnswer, TokenAnswer, UserAnswer, UsersAnswer } from '../answer-schemas';

const UserName = z.string().regex(USER_NAME_PATTERN, 'lowercase letters, digits, ".", "_", "-", starting with a letter (at most 64)');

const AddUserBody = z.strictObject({
  name: UserName,
  roles: z.array(z.string().regex(ROLE_PATTERN, 'a role: lowercase letters, digits and "-", starting with a letter')).min(1, 'at least one role'),
  displayName: z.string().trim().min(1).max(200).optional(),
});
const IssueTokenBody = z.strictObject({
  label: z.string().trim().min(1).max(100).default('cli'),
  expiresInDays: z.number().int().positive().max(3650).optional(),
});
const RevokeBody = z.strictObject({ prefix: z.string().min(1).max(40).optional() });
const EmptyBody = z.strictObject({});
const NameParams = z.object({ name: z.string().min(1).describe('a user name') });

/** A user change's route options (admin). */
const change = (summary: string, params: z.ZodType | undefined, body: z.ZodType, ok: { status: 200 | 201; schema: z.ZodType }) => auditedRoute(`${summary} (admin)`, body, ok, params);

/** The path's user name, checked like a body field. */
function pathName(name: string): string {
  if (!USER_NAME_PATTERN.test(name)) throw new ApiError(400, 'invalid_body', `name: "${name}" is not a user name`, 'name');
  return name;
}

/** A refused change, in the API's terms. */
async function inUsers<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof UserChangeError)) throw err;
    const status = err.kind === 'not-found' ? 404 : err.kind === 'conflict' ? 409 : 400;
    throw new ApiError(status, status === 400 ? 'invalid_body' : status === 404 ? 'not_found' : 'conflict', err.message, err.field);
  }
}

export function registerUserRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;

  app.get('/api/users', { schema: { summary: 'users, their roles, disabled (admin)', response: answers({ status: 200, schema: UsersAnswer }, [403]) } }, async (req, reply) => {
    try {
      authorize(await authenticate(db, req), 'manageUsers');
      return { users: await listUsers(db) };
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  app.post('/api/users', change('create a user, or set their roles', undefined, AddUserBody, { status: 200, schema: UserAnswer }), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'manageUsers',
      body: AddUserBody,
      recorded: (body) => ({ verb: 'add', ...body }),
      perform: async ({ body, identity, requestId }) => ({ status: 200, body: { user: await inUsers(() => addUserAudited(db, { actor: identity.name, requestId }, body)) } }),
    }),
  );

  app.post<{ Params: { name: string } }>('/api/users/:name/tokens', change("issue a token (in the answer once, never stored)", NameParams, IssueTokenBody, { status: 201, schema: TokenAnswer }), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'manageUsers',
      body: IssueTokenBody,
      recorded: (body) => ({ verb: 'token', name: req.params.name, ...body }),
      perform: async ({ body, identity, requestId }) => {
        const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : undefined;
        const issued = await inUsers(() => issueTokenAudited(db, { actor: identity.name, requestId }, { name: pathName(req.params.name), label: body.label, expiresAt }));
        return { status: 201, body: { name: req.params.name, token: issued.token, prefix: issued.prefix, label: issued.label, expiresAt: issued.expiresAt?.toISOString() ?? null } };
      },
    }),
  );

  app.post<{ Params: { name: string } }>('/api/users/:name/tokens/revoke', change("revoke the user's tokens, all or one (prefix)", NameParams, RevokeBody, { status: 200, schema: RevokedAnswer }), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'manageUsers',
      body: RevokeBody,
      recorded: (body) => ({ verb: 'revoke', name: req.params.name, ...body }),
      perform: async ({ body, identity, requestId }) => ({
        status: 200,
        body: { revoked: await inUsers(() => revokeTokensAudited(db, { actor: identity.name, requestId }, { name: pathName(req.params.name), prefix: body.prefix })) },
      }),
    }),
  );

  for (const verb of ['disable', 'enable'] as const) {
    app.post<{ Params: { name: string } }>(`/api/users/:name/${verb}`, change(`${verb} a user`, NameParams, EmptyBody, { status: 200, schema: DisabledAnswer }), (req, reply) =>
      auditedRequest(db, req, reply, {
        action: 'manageUsers',
        body: EmptyBody,
        recorded: () => ({ verb, name: req.params.name }),
        perform: async ({ identity, requestId }) => {
          await inUsers(() => setDisabledAudited(db, { actor: identity.name, requestId }, { name: pathName(req.params.name), disabled: verb === 'disable' }));
          return { status: 200, body: { name: req.params.name, disabled: verb === 'disable' } };
        },
      }),
    );
  }
}
