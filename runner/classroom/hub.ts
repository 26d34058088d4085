import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ErrorCode } from '../../src/lib/error-codes.ts';
import { boundedServer, sendError, sendJson } from '../http/reply.ts';
import { tokensEqual } from '../http/auth.ts';
import { hubCss, hubScript } from './hub/assets.ts';
import { cookieName, hasViewToken, hubHeaders, ownOrigin, sendText } from './hub/http.ts';
import { HubLearners } from './hub/learners.ts';
import { hubPage } from './hub/page.ts';
import { reportRoute } from './hub/reports.ts';
import { freshState, HubStateFile, loadHubState } from './hub/state.ts';
import { spacedCollector } from '../memory.js';
import { pickLanguage, type HubLang } from './hub/strings.ts';
import { checkCounts, parseTableQuery, type BookOrder, type TableQuery } from './hub/table.ts';
import { hubCsv, hubView, type ViewOptions } from './hub/view.ts';

/**
 * The instructor hub (`--hub`): a second server in the instructor's runner process that learners'
 * runners report check results to, and that shows the instructor a live table of them. It runs no
 * command. Two tokens of its own, unrelated to any runner's: the join token (learners report with
 * it) and the view token (the table). With a workspace it keeps both tokens, the learners and
 * their latest verdicts in `hub-state.json` there (hub/state.ts), so a restart forgets nothing.
 */
export interface HubOptions {
  host: string;
  port: number;
  log?: (message: string) => void;
  /**
   * The folder the hub keeps its state in: the instructor's workspace. Without it the hub holds
   * everything in memory and makes new tokens at each start.
   */
  stateDir?: string;
  /** The book's chapters and their checks in order, asked at each view (the lab catalog). */
  bookOrder?: () => BookOrder;
  /**
   * How long a report waits for others to share one write of the state file.
   * @default 50
   */
  saveDelayMs?: number;
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
  /** The state file, when the hub has a workspace. */
  stateFile: string | undefined;
  close(): Promise<void>;
}

/** Live tables open at once; the view token holder needs a few tabs, not hundreds. */
const maxViewers = 32;
const joinRoute = /^\/join\/([^/]+)\/report$/;

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const log = options.log ?? ((message: string) => console.log(message));
  const stateFile = options.stateDir ? join(options.stateDir, 'hub-state.json') : undefined;
  const loaded = stateFile ? loadHubState(stateFile, log) : undefined;
  const state = loaded?.state ?? freshState();
  const { joinToken, viewToken } = state;
  const startedAt = Date.parse(state.startedAt);
  const learners = new HubLearners(startedAt, state.learners);
  const saver =
    stateFile && loaded?.writable
      ? new HubStateFile(
          stateFile,
          () => ({ ...state, learners: learners.saved() }),
          log,
          options.saveDelayMs,
        )
      : undefined;
  const viewers = new Set<{ response: ServerResponse; lang: HubLang; query: TableQuery }>();
  let port = options.port;
  let pushTimer: NodeJS.Timeout | undefined;

  /** The room now: the learners, the book's order and the counts, made once for every viewer. */
  const room = (now: number) => {
    const order = options.bookOrder?.() ?? [];
    const counts = checkCounts(learners.verdicts(now), order);
    return {
      list: learners.list(now),
      as: (query: TableQuery): ViewOptions => ({ query, order, counts }),
    };
  };
  const rows = (lang: HubLang, query: TableQuery, now: number, at = room(now)) =>
    `event: rows\ndata: ${JSON.stringify(hubView(at.list, lang, now, at.as(query)))}\n\n`;
  const push = () => {
    pushTimer = undefined;
    const now = Date.now();
    const at = room(now);
    for (const viewer of viewers) viewer.response.write(rows(viewer.lang, viewer.query, now, at));
  };
  // Reports arrive in bursts (a room pressing "Check my step" together): one push per burst.
  const schedulePush = () => (pushTimer ??= setTimeout(push, 200));
  const tick = setInterval(push, options.tickMs ?? 30_000);
  tick.unref();

  // The state file and the tables written for every burst of reports are garbage by the next.
  const collector = spacedCollector();
  const report = reportRoute({
    joinToken,
    learners,
    log,
    stored: async () => {
      schedulePush();
      collector.worked();
      await saver?.save();
    },
  });

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
    const asked = parseTableQuery(url.searchParams);
    if (!asked.ok) return sendError(response, 400, ErrorCode.badRequest, asked.message);
    const { query } = asked;
    const now = Date.now();
    if (url.pathname === '/') {
      const at = room(now);
      const html = hubPage(at.list, lang, now, at.as(query));
      response.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
      });
      response.end(html);
    } else if (url.pathname === '/api/learners') {
      sendJson(response, 200, { now: new Date(now).toISOString(), learners: learners.list(now) });
    } else if (url.pathname === '/api/learners.csv') {
      const at = room(now);
      const csv = hubCsv(at.list, lang, now, at.as(query));
      const stamp = new Date(now).toISOString().slice(0, 16).replace(/[T:]/g, '-');
      response.setHeader('Content-Disposition', `attachment; filename="classroom-${stamp}.csv"`);
      sendText(response, 'text/csv', csv);
    } else if (url.pathname === '/api/events') {
      if (viewers.size >= maxViewers)
        return sendError(
          response,
          429,
          ErrorCode.tooManyViewers,
          'close other tabs of the hub table',
        );
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      const viewer = { response, lang, query };
      viewers.add(viewer);
      response.on('close', () => viewers.delete(viewer));
      response.write(`retry: 2000\n${rows(lang, query, now)}`);
    } else {
      sendError(response, 404, ErrorCode.notFound, `the hub has nothing at ${url.pathname}`);
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of Object.entries(hubHeaders)) response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://hub.invalid');
    const joined = joinRoute.exec(url.pathname);
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
  // The tokens are on disk before any link is printed: a restart takes the links printed now.
  saver?.write();
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
    stateFile,
    close: async () => {
      clearInterval(tick);
      clearTimeout(pushTimer);
      saver?.flush();
      for (const viewer of viewers) viewer.response.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
