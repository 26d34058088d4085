import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, errorDetail } from '../../src/lib/error-codes.ts';
import { boundedServer, sendError, sendJson } from '../http/reply.ts';
import { tokensEqual } from '../http/auth.ts';
import { hubCss, hubScript } from './hub/assets.ts';
import { cookieName, hasViewToken, hubHeaders, ownOrigin, readBody, sendText } from './hub/http.ts';
import { hubPage, hubView, pickLanguage, type HubLang } from './hub/page.ts';
import { reportSchema } from './hub/report.ts';
import { HubLearners } from './hub/learners.ts';

/**
 * The instructor hub (`--hub`): a second server in the instructor's runner process that learners'
 * runners report check results to, and that shows the instructor a live table of them. It runs no
 * command and reads no file; it holds names and verdicts in memory. Two tokens of its own, unrelated
 * to any runner's: the join token (learners report with it) and the view token (the table).
 */
export interface HubOptions {
  host: string;
  port: number;
  log?: (message: string) => void;
  /**
   * How often live tables are sent again with no new report, so "stuck for" and "last seen" advance.
   * @default 30_000
   */
  tickMs?: number;
  /** How long a client may take to send its request headers (runner/http/reply.ts). */
  headersTimeoutMs?: number;
}

export interface RunningHub {
  /** Where the instructor opens the table from this machine, e.g. `http://127.0.0.1:4322/`. */
  url: string;
  port: number;
  joinToken: string;
  viewToken: string;
  learners: HubLearners;
  close(): Promise<void>;
}

/** Live tables open at once; the view token holder needs a few tabs, not hundreds. */
const maxViewers = 32;
const reportRoute = /^\/join\/([^/]+)\/report$/;

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const log = options.log ?? ((message: string) => console.log(message));
  const joinToken = randomBytes(24).toString('base64url');
  const viewToken = randomBytes(24).toString('base64url');
  const learners = new HubLearners(Date.now());
  const viewers = new Set<{ response: ServerResponse; lang: HubLang }>();
  let port = options.port;
  let pushTimer: NodeJS.Timeout | undefined;
  let warnedFull = false;

  const push = () => {
    pushTimer = undefined;
    const now = Date.now();
    const list = learners.list(now);
    for (const viewer of viewers)
      viewer.response.write(
        `event: rows\ndata: ${JSON.stringify(hubView(list, viewer.lang, now))}\n\n`,
      );
  };
  // Reports arrive in bursts (a room pressing "Check my step" together): one push per burst.
  const schedulePush = () => (pushTimer ??= setTimeout(push, 200));
  const tick = setInterval(push, options.tickMs ?? 30_000);
  tick.unref();

  const report = (request: IncomingMessage, response: ServerResponse, given: string) => {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendError(response, 405, ErrorCode.methodNotAllowed, 'reports are sent with POST');
    }
    // A learner's runner sends no Origin; a browser always does. Even the hub's own origin is
    // refused: a page can pass for it by DNS rebinding, and no page has reason to report.
    if (request.headers.origin !== undefined)
      return sendError(response, 403, ErrorCode.badOrigin, 'web pages may not send reports');
    if (!tokensEqual(given, joinToken))
      return sendError(
        response,
        401,
        ErrorCode.unauthorized,
        'wrong join token: the hub makes a new one at each start; ask for the command it prints',
      );
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
      return sendError(response, 415, ErrorCode.badReport, 'send the report as application/json');
    readBody(request, response, (text) => {
      try {
        store(response, text);
      } catch (error) {
        // Past the server's own try/catch (the body arrives later): answer, never crash.
        log(`hub report failed: ${errorDetail(error)}`);
        if (!response.headersSent)
          sendError(response, 500, ErrorCode.internal, 'the hub failed on this report');
      }
    });
  };

  const store = (response: ServerResponse, text: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return sendError(response, 400, ErrorCode.badReport, 'the report is not JSON');
    }
    const parsed = reportSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || 'report'}: ${issue.message}`);
      return sendError(response, 400, ErrorCode.badReport, `bad report: ${issues.join('; ')}`);
    }
    const outcome = learners.apply(parsed.data);
    if (!outcome.ok) {
      if (outcome.code === 'hub-full' && !warnedFull) {
        warnedFull = true;
        log(`hub: ${outcome.message}; refusing new learners`);
      }
      return sendError(response, outcome.status, outcome.code, outcome.message);
    }
    response.writeHead(204);
    response.end();
    schedulePush();
  };

  const view = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      // Trade the token in the link for a cookie, then drop it from the address bar and history.
      if (tokensEqual(offered, viewToken))
        response.setHeader(
          'Set-Cookie',
          `${cookieName(port)}=${viewToken}; HttpOnly; SameSite=Strict; Path=/`,
        );
      url.searchParams.delete('token');
      // One leading slash: `//host` would send the browser to another site.
      response.writeHead(302, { Location: `/${url.pathname.replace(/^\/+/, '')}${url.search}` });
      response.end();
      return;
    }
    if (!ownOrigin(request))
      return sendError(response, 403, ErrorCode.badOrigin, 'the table is for its own page only');
    if (!hasViewToken(request, port, viewToken))
      return sendError(
        response,
        401,
        ErrorCode.unauthorized,
        'no view token: open the hub link that the instructor’s runner printed',
      );
    const lang = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language']);
    if (url.pathname === '/') {
      const html = hubPage(learners.list(), lang);
      response.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
      });
      response.end(html);
    } else if (url.pathname === '/api/learners') {
      sendJson(response, 200, { now: new Date().toISOString(), learners: learners.list() });
    } else if (url.pathname === '/api/events') {
      if (viewers.size >= maxViewers)
        return sendError(
          response,
          429,
          ErrorCode.tooManyViewers,
          'close other tabs of the hub table',
        );
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      const viewer = { response, lang };
      viewers.add(viewer);
      response.on('close', () => viewers.delete(viewer));
      const now = Date.now();
      response.write(
        `retry: 2000\nevent: rows\ndata: ${JSON.stringify(hubView(learners.list(now), lang, now))}\n\n`,
      );
    } else {
      sendError(response, 404, ErrorCode.notFound, `the hub has nothing at ${url.pathname}`);
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of Object.entries(hubHeaders)) response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://hub.invalid');
    const joined = reportRoute.exec(url.pathname);
    if (joined) return report(request, response, joined[1] ?? '');
    if (request.method !== 'GET') {
      response.setHeader('Allow', 'GET');
      return sendError(response, 405, ErrorCode.methodNotAllowed, 'the table answers GET only');
    }
    // The page's own code and style hold nothing of the room's; they are served without a token.
    if (url.pathname === '/hub.js') return sendText(response, 'text/javascript', hubScript);
    if (url.pathname === '/hub.css') return sendText(response, 'text/css', hubCss);
    view(request, response, url);
  };

  const server = boundedServer(
    handle,
    { log: (message) => log(`hub ${message}`), message: 'the hub failed on this request' },
    options.headersTimeoutMs,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const local = ['0.0.0.0', '::'].includes(options.host)
    ? '127.0.0.1'
    : options.host.includes(':')
      ? `[${options.host}]`
      : options.host;

  return {
    url: `http://${local}:${port}/`,
    port,
    joinToken,
    viewToken,
    learners,
    close: async () => {
      clearInterval(tick);
      clearTimeout(pushTimer);
      for (const viewer of viewers) viewer.response.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
