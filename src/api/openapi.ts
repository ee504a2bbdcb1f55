/**
 * The API's description, from the routes themselves: every route declares its params, querystring,
 * body and answers as zod schemas (`schema` of its route options), @fastify/swagger collects them
 * (fastify-type-provider-zod turns each zod schema into JSON Schema) and `GET /api/openapi.json`
 * serves the OpenAPI 3 document, to any authenticated user (like every read route but /api/health).
 *
 * The schemas describe; they do not replace the routes' own checks. Fastify's validation would run
 * before the route and refuse a bad body before the token was checked (a 400 to an anonymous caller,
 * where the API answers 401) and without the refusal's audit record. So Fastify's validator lets
 * everything through, and each route checks its input with the same schema (`parseBody`) at its place
 * in the order token → role → run → body. Answers are sent as plain JSON, not checked at run time
 * (a mismatch must never turn an answer into a 500); the Schemathesis test checks them against the
 * document instead (test/integration/api/openapi-schemathesis.test.ts).
 */
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../audit/database';
import { authenticate, authorize } from '../auth/authenticate';
import { toErrorAnswer } from './errors';

export const OPENAPI_PATH = '/api/openapi.json';

/** Every refusal and error: `{ error, message, field?, requestId? }` (errors.ts, refusal-record.ts). */
export const ErrorBody = z
  .looseObject({
    error: z.string().describe('a stable code: invalid_body, unauthenticated, forbidden, run_not_found, …'),
    message: z.string().describe('what was wrong, naming the field first (`reason: a reason is required`)'),
    field: z.string().optional().describe('the request field at fault (a dotted path, "(body)", a path parameter or a header)'),
    requestId: z.string().optional().describe("the request's id in the audit trail (refusals of acts) or in the server's log (5xx)"),
  })
  .meta({ id: 'Error' });

/** What each status means, whichever route answers it. */
const REFUSALS = {
  400: 'bad input: the body, a path or query parameter, or a header; `field` names it',
  401: 'no token, or a token that is unknown, revoked, expired or whose user is disabled',
  403: "the token's user may not do this (a role, four-eyes, an unregistered runbook version for a real run)",
  404: 'no such run, step, finding, action, user or runbook version',
  409: 'refused by the current state (the run has ended or is not waiting, a service is held by a real run, a duplicate)',
  413: 'the body is larger than DRILLBOOK_API_BODY_LIMIT',
  415: 'the body is not JSON (Content-Type: application/json)',
  422: 'the Idempotency-Key was used for a different request',
  429: 'too many failed authentications from this client or with this token prefix: locked out until Retry-After',
  500: "internal error: the server's log has the detail under the answer's requestId",
  503: 'the audit trail cannot record the request (nothing was done), an act on a run cannot reach Temporal (try again once it is back), or the run refuses the front door\'s signature',
} as const;
type RefusalStatus = keyof typeof REFUSALS;

/** Statuses every authenticated route can answer. */
const AUTHENTICATED: RefusalStatus[] = [401, 429, 500];
/** And every route that reads a JSON body (Fastify's own refusals, recorded; then the route's check). */
const WITH_BODY: RefusalStatus[] = [400, 413, 415];

/**
 * A route's answers for its `schema.response`: its success, and the error body for each status it
 * can refuse with (beyond those of every authenticated route, and those of a body when `body`).
 */
export function answers(ok: { status: 200 | 201; schema: z.ZodType }, refusals: RefusalStatus[], opts: { body?: boolean; audited?: boolean; open?: boolean } = {}) {
  // `open`: a route that authenticates no one (GET /api/session answers `signedIn: false` instead of 401).
  const always = opts.open ? AUTHENTICATED.filter((s) => s !== 401) : AUTHENTICATED;
  const statuses = new Set<RefusalStatus>([...always, ...(opts.body ? WITH_BODY : []), ...(opts.audited ? [503 as const] : []), ...refusals]);
  const response: Record<number, unknown> = { [ok.status]: ok.schema };
  for (const status of [...statuses].sort()) response[status] = { description: REFUSALS[status], content: { 'application/json': { schema: ErrorBody } } };
  return response;
}

/**
 * The options of a route that acts on a JSON body and is audited (its refusals recorded, 503 when the
 * trail cannot take them): its summary, body, success, path parameters and its own refusals.
 */
export function auditedRoute(summary: string, body: z.ZodType, ok: { status: 200 | 201; schema: z.ZodType }, params?: z.ZodType, refusals: RefusalStatus[] = [403, 404, 409]) {
  return { schema: { summary, ...(params ? { params } : {}), body, response: answers(ok, refusals, { body: true, audited: true }) } };
}

/** The bearer token every route but /api/health needs; and Retry-After on each 429. */
function completeDocument(doc: Parameters<typeof jsonSchemaTransformObject>[0]) {
  const openapi = jsonSchemaTransformObject(doc);
  type Operation = { responses?: Record<string, { headers?: unknown }> };
  for (const methods of Object.values((openapi.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const operation of Object.values(methods)) {
      const locked = operation.responses?.['429'];
      if (locked) locked.headers = { 'Retry-After': { description: 'seconds until the lockout ends', schema: { type: 'integer', minimum: 1 } } };
    }
  }
  return openapi;
}

const registeredRoutes = new WeakMap<FastifyInstance, string[]>();

/** Every route of the app but Fastify's HEAD twins, as `METHOD /path/:param`: what the document must name. */
export function routesOf(app: FastifyInstance): string[] {
  return [...(registeredRoutes.get(app) ?? [])];
}

/**
 * Registers the schema compilers, the document's collection (before any route: it sees the routes
 * registered after it) and `GET /api/openapi.json`.
 */
export async function registerOpenApi(app: FastifyInstance, db: Kysely<Database>): Promise<void> {
  const routes: string[] = [];
  registeredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    // The console's files (console.ts) are pages, not API operations: hidden from the document.
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  // Described, not enforced here: each route checks its input in its audited order (see above).
  app.setValidatorCompiler(() => (data: unknown) => ({ value: data }));
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'drillbook API',
        version: '1',
        description: 'The operators\' API of drillbook (`drillbook serve`): runs, human actions, the runbook registry, the findings register and users. Every act is recorded in the audit trail, refusals too.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a user token (`drillbook users token NAME`)' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'drillbook_session',
            description: "the console's session (POST /api/session); every POST, PUT, PATCH, DELETE made with it must carry the session's CSRF token in X-CSRF-Token (403 otherwise)",
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: completeDocument,
  });

  app.get(
    OPENAPI_PATH,
    { schema: { summary: 'this document (OpenAPI 3)', response: answers({ status: 200, schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) }, [403]) } },
    async (req, reply) => {
      try {
        authorize(await authenticate(db, req), 'read');
        return app.swagger();
      } catch (err) {
        const answer = toErrorAnswer(err);
        return reply.code(answer.status).send(answer.body);
      }
    },
  );
}
