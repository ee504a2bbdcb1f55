/**
 * The JSON body parser of the API, Fastify's own (prototype poisoning refused), which also keeps the
 * raw bytes of each request: a refusal records their sha256 and size beside its capped excerpt.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

const rawBodies = new WeakMap<object, Buffer>();

/** The bytes of the request's JSON body, when one was read. */
export function rawBodyOf(req: FastifyRequest): Buffer | undefined {
  return rawBodies.get(req.raw);
}

export function keepRawJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    rawBodies.set(req.raw, body as Buffer);
    // Fastify's parser takes a Buffer as well as a string (secure-json-parse decodes it as UTF-8).
    // `void`: its type allows a promise, but the default parser answers through `done` and returns nothing.
    void parseJson(req, body as unknown as string, done);
  });
}
