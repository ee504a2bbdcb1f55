/**
 * The console (issue 16): a small browser app served by `drillbook serve` itself, from this server
 * only (nothing from another site; it works offline), as one more client of the same /api routes.
 *
 *   GET /                      → /console/
 *   GET /console/              the page (console/index.html): an import map and the app's entry
 *   GET /console/app/…         the app, plain ES modules compiled from console/*.ts (dist/console)
 *   GET /console/assets/…      the style sheet
 *   GET /console/vendor/…      preact, its hooks, htm and markdown-it's browser build, from node_modules
 *
 * A strict Content Security Policy on every answer (pages and API alike, @fastify/helmet): scripts
 * from this server and the one inline script, the import map, allowed by its sha256; no inline
 * style, no frames, no plugins, no other origin. These files are not API operations: they are left
 * out of the OpenAPI document (`hide`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../config/paths';

/** The vendored browser modules: the import map's names → files under node_modules. */
const VENDOR: Record<string, { pkg: string; file: string }> = {
  'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs' },
  'preact-hooks.mjs': { pkg: 'preact', file: 'hooks/dist/hooks.mjs' },
  'htm.mjs': { pkg: 'htm', file: 'dist/htm.mjs' },
  'markdown-it.mjs': { pkg: 'markdown-it', file: 'dist/browser/markdown-it.esm.min.mjs' },
};

function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`, { paths: [projectRoot] }));
  } catch {
    return path.join(projectRoot, 'node_modules', pkg);
  }
}

/** The page, and the sha256 of its import map (the one inline script the CSP allows). */
export function consolePage(root = projectRoot): { html: string | undefined; importMapHash: string | undefined } {
  const file = path.join(root, 'console', 'index.html');
  if (!existsSync(file)) return { html: undefined, importMapHash: undefined };
  const html = readFileSync(file, 'utf8');
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  return { html, importMapHash: map ? createHash('sha256').update(map[1], 'utf8').digest('base64') : undefined };
}

/** The Content-Security-Policy directives of every answer. */
export function cspDirectives(importMapHash: string | undefined) {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...(importMapHash ? [`'sha256-${importMapHash}'`] : [])],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    objectSrc: ["'none'"],
    scriptSrcAttr: ["'none'"],
    upgradeInsecureRequests: null,
  };
}

export async function registerConsole(app: FastifyInstance): Promise<void> {
  const { html, importMapHash } = consolePage();
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(importMapHash) },
    // The console is same-origin only; nothing here is meant to be embedded or read by other sites.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  const hidden = { schema: { hide: true } };
  const built = path.join(projectRoot, 'dist', 'console');
  app.get('/', hidden, (_req, reply) => reply.redirect('/console/'));
  app.get('/console', hidden, (_req, reply) => reply.redirect('/console/'));
  app.get('/console/', hidden, (_req, reply) => {
    void reply.header('cache-control', 'no-store');
    if (!html || !existsSync(path.join(built, 'main.js'))) {
      return reply.code(503).type('text/plain; charset=utf-8').send('the console is not built: run `npm run setup` (it compiles console/ into dist/console)');
    }
    return reply.type('text/html; charset=utf-8').send(html);
  });

  await app.register(fastifyStatic, { root: built, prefix: '/console/app/', schemaHide: true, cacheControl: false, decorateReply: true, wildcard: true });
  await app.register(fastifyStatic, { root: path.join(projectRoot, 'console', 'assets'), prefix: '/console/assets/', schemaHide: true, cacheControl: false, decorateReply: false });
  app.get<{ Params: { file: string } }>('/console/vendor/:file', hidden, (req, reply) => {
    const vendor = Object.hasOwn(VENDOR, req.params.file) ? VENDOR[req.params.file] : undefined;
    if (!vendor) return reply.code(404).send({ error: 'not_found', message: `no vendored module ${req.params.file}` });
    void reply.header('cache-control', 'no-cache');
    return reply.sendFile(vendor.file, packageDir(vendor.pkg));
  });
}
