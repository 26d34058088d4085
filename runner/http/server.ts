import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, errorDetail } from '../../src/lib/wire/error-codes.ts';
import {
  decide,
  decidePublic,
  freshBookName,
  isEarlierHost,
  loopbackNames,
  loopbackHosts,
  policyFor,
  readBearer,
  readProtocolToken,
  refuseServiceWorker,
  tokensEqual,
  type AuthPolicy,
  type Decision,
  type RequestFacts,
} from './auth.ts';
import { listenTwice } from './listen.ts';
import { boundedServer, refuseUpgrade, sendError } from '../reply.ts';
import { runnerMark, serveStatic } from './static-files.ts';

/**
 * The runner's HTTP side: one server on loopback that answers the built book, the API under
 * `/api` and the terminal's WebSocket upgrade. Every request passes the same order of checks
 * (auth.ts, docs/security.md) before anything is read or started; the static files need Host
 * and Origin only, the API and the terminal the token too. The pieces: auth.ts decides,
 * static-files.ts serves the book, reply.ts shapes every answer. What it serves beyond the book
 * comes in as parameters: the API's handler (api.ts) and the terminal's upgrade
 * (runner/terminal/socket.ts), both made by the runner's composition root, runner/cli.ts. This
 * module starts no session, check or hub: it is the HTTP and WebSocket layer only.
 */

export interface ServeOptions {
  host: string;
  port: number;
  dist: string;
  allowOrigins: readonly string[];
  /** The origin a forwarded port shows this runner under (--public-url), trusted as its own. */
  publicUrl?: string;
  /** This start's token: what the API and the terminal ask of every request. */
  token: string;
  /** Answers a request under `/api` that passed the Host, Origin and token checks (api.ts). */
  api: (request: IncomingMessage, response: ServerResponse, url: URL) => void;
  /** Takes a WebSocket upgrade that passed the same checks (runner/terminal/socket.ts). */
  upgrade: (request: IncomingMessage, socket: Socket, head: Buffer, url: URL) => void;
  /** How long a client may take to send its request headers (reply.ts ConnectionLimits). */
  headersTimeoutMs?: number;
  log: (message: string) => void;
}

export interface Serving {
  /**
   * Where a program on this machine reaches the runner: its listening address, `127.0.0.1` on
   * loopback. Programs resolve no `.localhost` name (Node asks the system's resolver, which need
   * not know them); a hosted copy pairs with this address too, which stays the same from one
   * start to the next.
   */
  url: string;
  /**
   * The book's address for the learner's browser: on loopback, this start's own origin
   * `http://<id>.localhost:<port>/` (docs/security.md); otherwise `url` (behind --public-url the
   * printed link names that URL instead).
   */
  book: string;
  port: number;
  /** Stops listening, and ends every connection still open. */
  close(): Promise<void>;
}

/** Headers on every answer: no sniffing, no framing by other origins, no Referer with a token in it. */
const baseHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
  'Content-Security-Policy': "frame-ancestors 'self'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

function facts(request: IncomingMessage): RequestFacts {
  return {
    host: request.headers.host,
    origin: request.headers.origin,
    bearerToken:
      readBearer(request.headers.authorization) ??
      readProtocolToken(request.headers['sec-websocket-protocol']),
  };
}

/** Serves the runner's one origin: the built book, `/api`, and the terminal WebSocket. */
export async function serve(options: ServeOptions): Promise<Serving> {
  const { log, token } = options;
  let policy: AuthPolicy = policyFor(
    token,
    options.port,
    options.allowOrigins,
    undefined,
    options.publicUrl,
  );

  /** Behind an https --public-url the page's WebSocket is wss:, on loopback ws:. */
  const publicScheme = (host: string | undefined) =>
    options.publicUrl !== undefined &&
    new URL(options.publicUrl).host.toLowerCase() === host?.toLowerCase() &&
    options.publicUrl.startsWith('https:')
      ? 'wss'
      : 'ws';

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of Object.entries(baseHeaders)) response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://runner.invalid');
    const origin = request.headers.origin;
    const crossOrigin =
      origin !== undefined && policy.origins.has(origin) && !ownOrigins.has(origin);
    if (crossOrigin) {
      // A hosted copy of the book allowed with --allow-origin: it sends the token as a Bearer header.
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS' && crossOrigin && decidePublic(facts(request), policy).ok) {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Max-Age': '600',
      });
      response.end();
      return;
    }
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
    const decision: Decision = isApi
      ? decide(facts(request), policy)
      : decidePublic(facts(request), policy);
    if (!decision.ok) return sendError(response, decision.status, decision.code, decision.message);
    if (isApi) return options.api(request, response, url);
    // One leading slash: "//host/..." would be a redirect to another site.
    const path = `/${url.pathname.replace(/^\/+/, '')}`;
    const offered = url.searchParams.get('token');
    url.searchParams.delete('token');
    if (policy.bookHost !== undefined && isEarlierHost(request.headers.host, policy)) {
      // The book is served under this start's own origin only: a page under 127.0.0.1 or an
      // earlier id could be running what an earlier listener on this port left in the browser
      // (a service worker, cached scripts). A token offered there stays there.
      response.writeHead(302, {
        Location: `http://${policy.bookHost}${path}${url.search}`,
        'Cache-Control': 'no-store',
      });
      response.end();
      return;
    }
    if (offered !== null) {
      // The token moves from the query into the fragment, which the page keeps in its own
      // origin's storage and then clears: a fragment is never sent to a server, and no cookie is
      // set (a cookie would go to every server on 127.0.0.1, whatever its port).
      const fragment = tokensEqual(offered, token) ? `#token=${token}` : '';
      response.writeHead(302, {
        Location: path + url.search + fragment,
        'Cache-Control': 'no-store',
      });
      response.end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendError(response, 405, ErrorCode.methodNotAllowed, 'the book answers GET and HEAD');
    }
    // The book has no service worker: one asked for here was left by an earlier listener.
    if (refuseServiceWorker(request, response)) return;
    response.setHeader('Server-Timing', runnerMark);
    serveStatic(options.dist, url.pathname, response, request.method, {
      // Only this start's fresh origin may cache the book's hashed files for long: under any other
      // origin, an earlier listener could have served the same paths with a year's cache.
      longCache: policy.bookHost !== undefined && request.headers.host === policy.bookHost,
      // The page's own WebSocket to the terminal, at the address it was served from.
      connect: [`${publicScheme(request.headers.host)}://${request.headers.host ?? ''}`],
    });
  };

  const servers = [0, 1].map(() =>
    boundedServer(
      handle,
      { log, message: 'the runner failed on this request; see its log' },
      options.headersTimeoutMs,
    ),
  );

  const upgrade = (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const decision = decide(facts(request), policy);
      if (!decision.ok)
        return refuseUpgrade(socket, decision.status, decision.code, decision.message);
      options.upgrade(request, socket, head, new URL(request.url ?? '/', 'http://runner.invalid'));
    } catch (error) {
      log(`upgrade failed: ${errorDetail(error)}`);
      refuseUpgrade(
        socket,
        500,
        ErrorCode.internal,
        'the runner failed on this request; see its log',
      );
    }
  };
  for (const server of servers) server.on('upgrade', upgrade);

  // On loopback, without a forwarded address, the book gets a fresh origin at every start: a name
  // under .localhost that nobody could have served before (docs/security.md). Browsers resolve it
  // to 127.0.0.1 and to ::1, so the runner holds the port on both.
  const fresh = options.publicUrl === undefined && loopbackNames.includes(options.host);
  const listening = await listenTwice(
    servers,
    fresh ? ['127.0.0.1', '::1'] : [options.host],
    options.port,
  );
  const actualPort = listening.port;
  const bookHost = fresh ? `${freshBookName(randomBytes(8))}:${actualPort}` : undefined;
  // The usual loopback names are the runner's own hosts already; any other --host is added.
  const extraHost = loopbackNames.includes(options.host) ? undefined : options.host;
  policy = policyFor(
    token,
    actualPort,
    options.allowOrigins,
    extraHost,
    options.publicUrl,
    bookHost,
  );
  const ownOrigins = new Set(
    bookHost !== undefined
      ? [`http://${bookHost}`]
      : [...loopbackHosts(actualPort, extraHost)].map((host) => `http://${host}`),
  );
  // Behind a forwarded port the page comes from the public origin: it is the book's own.
  if (options.publicUrl !== undefined) ownOrigins.add(new URL(options.publicUrl).origin);
  const listenHost = fresh ? '127.0.0.1' : options.host;
  const shownHost = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  const local = `http://${shownHost}:${actualPort}/`;

  return {
    url: local,
    book: bookHost === undefined ? local : `http://${bookHost}/`,
    port: actualPort,
    close: () => listening.close(),
  };
}
