import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, errorDetail } from '../../src/lib/wire/error-codes.ts';
import { ProcessLedger } from '../process/ledger.ts';
import { ProgressStore } from '../checks/progress.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import { SessionRegistry } from '../terminal/sessions.ts';
import type { ShellCommand } from '../terminal/shell.ts';
import { createTerminalSockets, readProtocolToken } from '../terminal/socket.ts';
import { labEnvironment, type Workspace } from '../workspace.ts';
import { createApi } from './api.ts';
import {
  decide,
  decidePublic,
  freshBookName,
  isEarlierHost,
  loopbackNames,
  loopbackHosts,
  policyFor,
  readBearer,
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
 * and Origin only, the API and the terminal the token too. The pieces: auth.ts decides, api.ts
 * answers `/api`, static-files.ts the book, reply.ts shapes every answer, and the terminal
 * socket (runner/terminal/socket.ts) takes the upgrade and every message to a page.
 */

export interface RunnerOptions {
  host: string;
  port: number;
  dist: string;
  labs: LabCatalog;
  workspace: Workspace;
  allowOrigins: readonly string[];
  /** The origin a forwarded port shows this runner under (--public-url), trusted as its own. */
  publicUrl?: string;
  version: string;
  kubeContext: string;
  /** The shell of lab terminals (runner/terminal/shell.ts chooseShell). */
  shell: ShellCommand;
  idleMs?: number;
  maxSessions?: number;
  /** How long a client may take to send its request headers (reply.ts ConnectionLimits). */
  headersTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface RunningRunner {
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
  token: string;
  /** Live terminal sessions: what a refused request must not have added to. */
  sessionCount(): number;
  /** Check results as recorded; the hub reporter listens to it (runner/classroom/reporter.ts). */
  progress: ProgressStore;
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

/** Starts the runner's one origin: the built book, `/api`, and the terminal WebSocket. */
export async function startRunner(options: RunnerOptions): Promise<RunningRunner> {
  const log = options.log ?? ((message: string) => console.log(message));
  const token = randomBytes(24).toString('base64url');
  const env = labEnvironment(options.workspace);
  const progress = new ProgressStore(options.workspace.progress, log);
  const sessions = new SessionRegistry(options.maxSessions);
  const ledger = new ProcessLedger(options.workspace.processes);
  const terminals = createTerminalSockets({
    sessions,
    labs: options.labs,
    cells: options.workspace.cells,
    newSession: {
      shell: options.shell,
      env,
      cwd: options.workspace.root,
      ledger,
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    },
    log,
  });
  let policy: AuthPolicy = policyFor(
    token,
    options.port,
    options.allowOrigins,
    undefined,
    options.publicUrl,
  );
  const api = createApi({
    version: options.version,
    labs: options.labs,
    progress,
    env,
    cwd: options.workspace.root,
    kubeContext: options.kubeContext,
    ledger,
    broadcast: (message) => terminals.broadcast(message),
  });

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
    if (isApi) return api.handle(request, response, url);
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
    if (request.headers['service-worker'] === 'script') {
      // The book has no service worker: one asked for here was registered by a page the runner
      // did not serve. Its update check lands here, and the answer removes it with the origin's
      // storage, where the browser honours Clear-Site-Data.
      response.writeHead(404, {
        'Clear-Site-Data': '"storage"',
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      response.end('The book has no service worker.\n');
      return;
    }
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
      terminals.upgrade(
        request,
        socket,
        head,
        new URL(request.url ?? '/', 'http://runner.invalid'),
      );
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
    token,
    sessionCount: () => sessions.size,
    progress,
    close: async () => {
      terminals.close();
      api.abortChecks();
      await sessions.disposeAll('the runner is stopping');
      await listening.close();
    },
  };
}
