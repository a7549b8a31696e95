/**
 * The web UI: the Vite build in web/dist served at `/`. Hashed assets are cached for good; the
 * page itself is revalidated on every load so a new build shows at once. Any other GET path that a
 * browser navigates to gets the page (the UI routes on the client); API paths keep their JSON 404s.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** web/dist beside the package root, both from src/server (tsx) and from dist/server (compiled). */
export const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)));

// Paths that belong to the APIs: never answered with the page.
const API_PATH = /^\/(api|ajax-api)(\/|$)/;
const HASHED_ASSET = /^assets\//;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trainyard: web UI not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The Trainyard web UI is not built</h1>
<p>This server found no <code>web/dist/index.html</code>. Run <code>npm run build</code> in the Trainyard folder
(or <code>npm run build:web</code> for the UI alone) and reload this page.</p>
<p>The APIs work without it: <a href="/api/2.0/mlflow/experiments/search?max_results=10">/api/2.0/mlflow</a>, <a href="/health">/health</a>.</p>
</body></html>
`;

export interface WebOptions {
  /** The folder holding index.html and assets/ (default: web/dist of this package). */
  root?: string;
}

export async function registerWeb(app: FastifyInstance, options: WebOptions = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  await app.register(async (scope) => {
    // Encapsulated: other plugins (the API docs) bring their own copy of the static plugin.
    await scope.register(fastifyStatic, { root, serve: false });
    const handler = async (req: FastifyRequest, reply: FastifyReply) => serve(root, req, reply);
    scope.get('/', handler);
    scope.get('/*', handler);
  });
}

async function serve(root: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const path = req.url.split('?')[0]!;
  if (API_PATH.test(path)) return reply.callNotFound();
  const file = decodeSafely(path.replace(/^\/+/, ''));
  if (file === undefined) return reply.callNotFound();
  if (file !== '' && isFile(root, file)) {
    // Vite names everything under assets/ by its content hash: it never changes under that name.
    const cache = HASHED_ASSET.test(file) ? { maxAge: '365d', immutable: true } : { maxAge: 0 };
    return reply.sendFile(file, root, { ...cache, cacheControl: true });
  }
  if (!wantsPage(req, file)) return reply.callNotFound();
  if (!isFile(root, 'index.html')) {
    return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
  }
  // no-cache = revalidate each time (ETag), so a rebuilt UI replaces the old one on reload.
  reply.header('cache-control', 'no-cache');
  return reply.sendFile('index.html', root, { cacheControl: false });
}

/** A browser navigating, or a path that names no file (a client route such as /runs/abc). */
function wantsPage(req: FastifyRequest, file: string): boolean {
  if ((req.headers.accept ?? '').includes('text/html')) return true;
  const last = file.slice(file.lastIndexOf('/') + 1);
  return !last.includes('.');
}

function decodeSafely(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    // The static plugin refuses these as well; refusing here keeps them from reaching the page fallback.
    if (decoded.includes('\0') || decoded.split('/').some((s) => s === '..')) return undefined;
    return decoded;
  } catch {
    return undefined;
  }
}

function isFile(root: string, file: string): boolean {
  const full = join(root, file);
  if (!full.startsWith(root)) return false;
  try {
    return existsSync(full) && statSync(full).isFile();
  } catch {
    return false;
  }
}
