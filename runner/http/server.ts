import { randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, ErrorCode } from '../../src/lib/error-codes.ts';
import type { ServerMessage } from '../../src/lib/protocol.ts';
import { createApi, sendError } from './api.ts';
import {
  cookieName,
  decide,
  loopbackHosts,
  decidePublic,
  policyFor,
  readBearer,
  readCookies,
  tokensEqual,
  type AuthPolicy,
  type Decision,
  type RequestFacts,
} from './auth.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import { ProgressStore } from '../checks/progress.ts';
import { SessionRegistry } from '../terminal/sessions.ts';
import type { ShellCommand } from '../terminal/shell.ts';
import { serveStatic } from './static-files.ts';
import { bindSocket, initialSize } from '../terminal/socket.ts';
import { labEnvironment, type Workspace } from '../workspace.ts';

/** Frames over this size are refused with close code 1009 by the WebSocket server. */
export const maxFrameBytes = 1 << 20;

export interface RunnerOptions {
  host: string;
  port: number;
  dist: string;
  labs: LabCatalog;
  workspace: Workspace;
  allowOrigins: readonly string[];
  version: string;
  kubeContext: string;
  /** The shell of lab terminals (runner/terminal/shell.ts chooseShell). */
  shell: ShellCommand;
  idleMs?: number;
  maxSessions?: number;
  log?: (message: string) => void;
}

export interface RunningRunner {
  url: string;
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

function facts(request: IncomingMessage, port: number, token: string): RequestFacts {
  const cookies = readCookies(request.headers.cookie, cookieName(port));
  return {
    host: request.headers.host,
    origin: request.headers.origin,
    cookieToken: cookies.find((value) => tokensEqual(value, token)) ?? cookies[0],
    bearerToken:
      readBearer(request.headers.authorization) ??
      readProtocolToken(request.headers['sec-websocket-protocol']),
    fetchSite: request.headers['sec-fetch-site'],
  };
}

/** Starts the runner's one origin: the built book, `/api`, and the terminal WebSocket. */
export async function startRunner(options: RunnerOptions): Promise<RunningRunner> {
  const log = options.log ?? ((message: string) => console.log(message));
  const token = randomBytes(24).toString('base64url');
  const env = labEnvironment(options.workspace);
  const progress = new ProgressStore(options.workspace.progress, log);
  const sessions = new SessionRegistry(options.maxSessions);
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxFrameBytes,
    // A page on an --allow-origin host cannot send headers with a WebSocket: it offers the token
    // as a second subprotocol, and the runner answers with the plain one.
    handleProtocols: (protocols) => (protocols.has(terminalProtocol) ? terminalProtocol : false),
  });
  let policy: AuthPolicy = policyFor(token, options.port, options.allowOrigins);
  const api = createApi({
    version: options.version,
    labs: options.labs,
    progress,
    env,
    cwd: options.workspace.root,
    kubeContext: options.kubeContext,
    broadcast: (message: ServerMessage) => {
      const text = JSON.stringify(message);
      for (const socket of sockets) socket.send(text);
    },
  });

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
    if (
      request.method === 'OPTIONS' &&
      crossOrigin &&
      decidePublic(facts(request, actualPort, token), policy).ok
    ) {
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
      ? decide(facts(request, actualPort, token), policy)
      : decidePublic(facts(request, actualPort, token), policy);
    if (!decision.ok) return sendError(response, decision.status, decision.code, decision.message);
    if (isApi) return api.handle(request, response, url);
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      // Trade the token in the URL for a cookie, then drop it from the address bar and history.
      if (tokensEqual(offered, token)) {
        response.setHeader(
          'Set-Cookie',
          `${cookieName(actualPort)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        );
      }
      url.searchParams.delete('token');
      // One leading slash: "//host/..." would be a redirect to another site.
      const path = `/${url.pathname.replace(/^\/+/, '')}`;
      response.writeHead(302, { Location: path + url.search, 'Cache-Control': 'no-store' });
      response.end();
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendError(response, 405, ErrorCode.methodNotAllowed, 'the book answers GET and HEAD');
    }
    serveStatic(options.dist, url.pathname, response, request.method);
  };

  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      log(`request failed: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent)
        sendError(
          response,
          500,
          ErrorCode.internal,
          'the runner failed on this request; see its log',
        );
    }
  });

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const refuse = (status: number, code: string, message: string) => {
      const body = JSON.stringify({ code, message });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    socket.on('error', () => socket.destroy());
    try {
      const decision = decide(facts(request, actualPort, token), policy);
      if (!decision.ok) return refuse(decision.status, decision.code, decision.message);
      const url = new URL(request.url ?? '/', 'http://runner.invalid');
      if (url.pathname !== '/api/terminal')
        return refuse(404, ErrorCode.notFound, 'the terminal is at /api/terminal');
      const name = url.searchParams.get('session') ?? 'main';
      const allowed = sessions.canOpen(name);
      if (!allowed.ok)
        return refuse(
          allowed.code === ErrorCode.tooManySessions ? 429 : 400,
          allowed.code,
          allowed.message,
        );
      const size = initialSize(url);
      // The shell is started only once the handshake has succeeded: a broken handshake spawns nothing.
      wss.handleUpgrade(request, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        try {
          const opened = sessions.open(name, {
            shell: options.shell,
            env,
            cwd: options.workspace.root,
            ...size,
            ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
          });
          if (!opened.ok) {
            ws.send(JSON.stringify({ type: 'error', code: opened.code, message: opened.message }));
            ws.close(CloseCode.sessionEnded, opened.code);
            return;
          }
          bindSocket(ws, opened.session, options.labs, size);
        } catch (error) {
          log(`could not start a terminal: ${(error as Error).message}`);
          ws.send(
            JSON.stringify({
              type: 'error',
              code: ErrorCode.internal,
              message: `could not start the shell: ${(error as Error).message}`,
            }),
          );
          ws.close(1011, 'shell failed');
        }
      });
    } catch (error) {
      log(`upgrade failed: ${(error as Error).stack ?? String(error)}`);
      refuse(500, ErrorCode.internal, 'the runner failed on this request; see its log');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const extraHost = ['127.0.0.1', 'localhost', '::1'].includes(options.host)
    ? undefined
    : options.host;
  policy = policyFor(token, actualPort, options.allowOrigins, extraHost);
  const ownOrigins = new Set(
    [...loopbackHosts(actualPort, extraHost)].map((host) => `http://${host}`),
  );
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${shownHost}:${actualPort}/`,
    port: actualPort,
    token,
    sessionCount: () => sessions.size,
    progress,
    close: async () => {
      for (const socket of sockets) socket.close(CloseCode.shutdown, 'the runner is stopping');
      api.abortChecks();
      await sessions.disposeAll('the runner is stopping');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The WebSocket subprotocol of the terminal; `istio-lab.token.<token>` may be offered beside it. */
export const terminalProtocol = 'istio-lab';

function readProtocolToken(header: string | undefined): string | undefined {
  const offered = header?.split(',').map((value) => value.trim()) ?? [];
  const prefix = `${terminalProtocol}.token.`;
  return offered.find((value) => value.startsWith(prefix))?.slice(prefix.length);
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}
