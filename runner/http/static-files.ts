import { createReadStream, realpathSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pagePolicy } from './csp.ts';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.wasm': 'application/wasm',
  '.pf_meta': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
};

/**
 * The file a URL path names inside `root`, or undefined. Neither `..` nor a symbolic link can
 * leave the root: the file's real path, links resolved, must lie inside the root's real path.
 */
export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const base = resolve(root);
  const candidate = resolve(base, `.${sep}${normalize(decoded)}`);
  if (candidate !== base && !candidate.startsWith(base + sep)) return undefined;
  let realBase: string;
  try {
    realBase = realpathSync(base);
  } catch {
    return undefined;
  }
  for (const file of [candidate, join(candidate, 'index.html'), `${candidate}.html`]) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      continue;
    }
    return real.startsWith(realBase + sep) ? real : undefined;
  }
  return undefined;
}

/**
 * The Server-Timing entry that the runner adds to what it serves: it tells a page that a runner
 * serves it (PerformanceNavigationTiming.serverTiming), so that a page of a hosted copy, which
 * lacks it, does not ask its host for /api/health at all (src/client/runner-link.ts).
 */
export const runnerMark = 'istio-lab-runner';

/**
 * Streams a static file of the built book, or the book's 404 page. The hashed files under
 * `/_astro/` are cached for a year only with `longCache`: the runner gives it for its own fresh
 * origin alone, since under an origin that something else served before, a year-long `immutable`
 * answer it left in the browser would stand in for the book's own file (docs/security.md).
 */
export function serveStatic(
  root: string,
  pathname: string,
  response: ServerResponse,
  method: string,
  options: {
    longCache?: boolean;
    /** Give a page its Content-Security-Policy (csp.ts), with these `connect-src` sources. */
    connect?: readonly string[];
  } = {},
): void {
  const file = resolveStatic(root, pathname);
  const status = file ? 200 : 404;
  const chosen = file ?? resolveStatic(root, '/404.html');
  if (!chosen) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('Not found. Is the book built? Run npm start, which builds it.\n');
    return;
  }
  const type = types[extname(chosen)] ?? 'application/octet-stream';
  const immutable = options.longCache === true && pathname.startsWith('/_astro/');
  if (options.connect !== undefined && type.startsWith('text/html'))
    response.setHeader('Content-Security-Policy', pagePolicy(chosen, options.connect));
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': statSync(chosen).size,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (method === 'HEAD') {
    response.end();
    return;
  }
  // The file can vanish between stat and open (a rebuild clearing dist): end the answer, do not crash.
  pipeline(createReadStream(chosen), response, () => undefined);
}
