/**
 * The console's reads of runs (issue 16), for any authenticated user with the `read` role, by token
 * or session cookie, like every read route:
 *
 *   GET /api/runs                    the list (run-views.ts `runList`); ?service, mode, state, initiator, limit
 *   GET /api/runs/stream             the same list as server-sent events: the whole list on connect and on every change
 *   GET /api/runs/:runId/view        one run whole (run-views.ts `runView`)
 *   GET /api/runs/:runId/stream      the same as server-sent events
 *
 * A stream checks the run (404) and the caller (401/403) before it starts, answering in JSON like any
 * route; then it is `text/event-stream`: `event: data` with the whole document (never a patch, so a
 * reconnect shows the truth), within `POLL_MS` of a change, and `event: problem` ({ status, error,
 * message }) before it ends because the caller's session or token no longer counts. Its own polling
 * does not keep a console session alive (the idle expiry counts the person's requests only).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authenticate, authorize } from '../../auth/authenticate';
import { MODES } from '../../plan/types';
import { ApiError, toErrorAnswer } from '../errors';
import { answers } from '../openapi';
import { checkPathParams, RunParams } from '../path-params';
import { RUN_LIST_STATES, runList, runView, type RunListFilter, type RunViewDeps } from '../run-views';
import { RunListAnswer, RunViewAnswer } from '../answer-schemas';

/** How often a stream looks for a change (the console shows a change within a second). */
export const POLL_MS = 300;
/** How often a stream checks its caller's session or token again. */
const RECHECK_MS = 5_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

export const RunListQuery = z.strictObject({
  service: z.string().min(1).max(200).optional().describe('runs that touch this service'),
  mode: z.enum(MODES).optional(),
  state: z.enum(RUN_LIST_STATES).optional().describe('a live state or trail status; `active`: not ended; `needs-human`: paused, or a manual step or approval waiting'),
  initiator: z.string().min(1).max(200).optional().describe('who started the run'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('how many ended runs, newest first (every active run is listed)'),
});

function parseQuery(query: unknown): RunListFilter {
  const parsed = RunListQuery.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = [...issue.path, ...keys].map(String).join('.') || '(query)';
  throw new ApiError(400, 'invalid_request', parsed.error.issues.map((i) => `${[...i.path].map(String).join('.') || (keys.join(', ') || '(query)')}: ${i.message}`).join('; '), field);
}

const EVENT_STREAM = (what: string) => ({
  description: `server-sent events: \`event: data\` with ${what} as JSON on connect and on every change; \`event: problem\` ({ status, error, message }) before the stream ends because the session or token no longer counts`,
  content: { 'text/event-stream': { schema: z.string() } },
});

export function registerRunViewRoutes(app: FastifyInstance, deps: RunViewDeps): void {
  const { db } = deps;
  const reader = async (req: FastifyRequest) => authorize(await authenticate(db, req), 'read');
  // Open streams end when the server closes (else it would wait for every browser to go away).
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/api/runs',
    { schema: { summary: 'runs: every active one and the newest ended ones, those waiting for a person first', querystring: RunListQuery, response: answers({ status: 200, schema: RunListAnswer }, [400, 403]) } },
    async (req, reply) => {
      try {
        await reader(req);
        return await runList(deps, parseQuery(req.query));
      } catch (err) {
        const answer = toErrorAnswer(err);
        return reply.code(answer.status).send(answer.body);
      }
    },
  );

  const listStream = answers({ status: 200, schema: RunListAnswer }, [400, 403]);
  listStream[200] = EVENT_STREAM('the list (as GET /api/runs answers it)');
  app.get('/api/runs/stream', { schema: { summary: 'the runs list, live (server-sent events)', querystring: RunListQuery, response: listStream } }, async (req, reply) => {
    try {
      await reader(req);
      const filter = parseQuery(req.query);
      return streamOf(req, reply, () => runList(deps, filter));
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  app.get<{ Params: { runId: string } }>(
    '/api/runs/:runId/view',
    { schema: { summary: 'a run whole, for the console: its steps and their states, guards, what waits for whom, the timeline, the evidence', params: RunParams, response: answers({ status: 200, schema: RunViewAnswer }, [400, 403, 404]) } },
    async (req, reply) => {
      try {
        await reader(req);
        checkPathParams({ runId: req.params.runId });
        const view = await runView(deps, req.params.runId);
        if (!view) throw new ApiError(404, 'run_not_found', `no run ${req.params.runId}`);
        return view;
      } catch (err) {
        const answer = toErrorAnswer(err);
        return reply.code(answer.status).send(answer.body);
      }
    },
  );

  const runStream = answers({ status: 200, schema: RunViewAnswer }, [400, 403, 404]);
  runStream[200] = EVENT_STREAM('the run (as GET /api/runs/{runId}/view answers it)');
  app.get<{ Params: { runId: string } }>('/api/runs/:runId/stream', { schema: { summary: 'a run, live (server-sent events)', params: RunParams, response: runStream } }, async (req, reply) => {
    try {
      await reader(req);
      const { runId } = req.params;
      checkPathParams({ runId });
      const first = await runView(deps, runId);
      // A run just started may not be in the trail yet (its first activity writes it): Temporal knows it.
      if (!first && !(await deps.progress(runId).catch(() => undefined))) throw new ApiError(404, 'run_not_found', `no run ${runId}`);
      return streamOf(req, reply, () => runView(deps, runId), first);
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  /**
   * Sends `produce()`'s document now and whenever it changes, until the client goes away or its
   * credentials stop counting. The reply is taken over from Fastify (hijack): the headers the hooks
   * set so far (the CSP…) are copied onto it.
   */
  function streamOf(req: FastifyRequest, reply: FastifyReply, produce: () => Promise<unknown>, first?: unknown): FastifyReply {
    reply.hijack();
    const res = reply.raw;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = String(value);
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    let last = '';
    let closed = false;
    let lastCheck = Date.now();
    let lastBeat = Date.now();
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const stop = () => {
      closed = true;
      clearTimeout(timer);
      open.delete(end);
    };
    const end = () => {
      stop();
      res.end();
    };
    open.add(end);
    req.raw.on('close', stop);
    res.on('error', stop);
    let timer: NodeJS.Timeout | undefined;
    const tick = async (doc?: unknown) => {
      if (closed) return;
      try {
        if (Date.now() - lastCheck >= RECHECK_MS) {
          lastCheck = Date.now();
          authorize(await authenticate(db, req, { touch: false }), 'read');
        }
        const next = doc ?? (await produce());
        const text = JSON.stringify(next ?? null);
        if (closed) return;
        // Nothing to show yet (a run not in the trail yet): wait for it.
        if (next !== undefined && text !== last) {
          last = text;
          send('data', next);
          lastBeat = Date.now();
        } else if (Date.now() - lastBeat >= HEARTBEAT_MS) {
          res.write(': still here\n\n');
          lastBeat = Date.now();
        }
      } catch (err) {
        const answer = toErrorAnswer(err);
        if (answer.status === 401 || answer.status === 403) {
          if (!closed) send('problem', { status: answer.status, ...answer.body });
          end();
          return;
        }
        // A passing failure (Temporal or PostgreSQL busy): the next tick tries again; the page keeps the last truth.
        req.log.warn({ err: answer.internal ?? answer.body.message }, 'stream: could not build the document');
      }
      if (!closed) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick(first);
    return reply;
  }
}
