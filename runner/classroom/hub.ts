import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../src/lib/wire/error-codes.ts';
import { log as runnerLog } from '../log.ts';
import { boundedServer, sendError, sendJson } from '../reply.ts';
import { hubCss, hubScript } from './hub/assets.ts';
import { readBookNames, type BookNames } from './hub/book-names.ts';
import { freshBookName, refuseServiceWorker } from '../http/auth.ts';
import { listenTwice } from '../http/listen.ts';
import {
  hubAddresses,
  hubHeaders,
  hubHost,
  hubPolicy,
  sendText,
  viewDecision,
} from './hub/http.ts';
import { HubLearners } from './hub/learners.ts';
import { SourceLimits, type Rate } from './hub/limits.ts';
import { LiveViewer } from './hub/live.ts';
import { hubPage } from './hub/page.ts';
import { HubLimits } from './hub/report.ts';
import { PushPacing } from './hub/pacing.ts';
import { reportRoute } from './hub/reports.ts';
import { GroupCommit } from './hub/saving.ts';
import { HubStore, newTokens, type StoredLearner } from './hub/store.ts';
import { hubLanguages, pickLanguage } from './hub/strings.ts';
import { checkCounts, parseTableQuery, type BookOrder, type TableQuery } from './hub/table.ts';
import { hubCsv, hubView, type ViewOptions } from './hub/view.ts';

/**
 * The instructor hub (`--hub`): a second server in the instructor's runner process (on a thread of
 * its own when the runner starts it: hub/thread.ts) that learners'
 * runners report check results to, and that shows the instructor a live table of them. It runs no
 * command. Two tokens of its own, unrelated to any runner's: the join token (learners report with
 * it) and the view token (the table), new at each start. With a workspace it keeps the join token
 * in `hub-tokens.json` and the learners and their latest verdicts in the SQLite database
 * `hub.sqlite` there (hub/store.ts), so a restart forgets nothing it acknowledged.
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
  /**
   * How many learners the hub follows (--hub-capacity); more are told the hub is full.
   * @default 1000
   */
  capacity?: number;
  /** The book's chapters and their checks in order, asked at each view (the lab catalog). */
  bookOrder?: () => BookOrder;
  /**
   * Folders of the book's pages (a folder per language), where the table finds what to call
   * chapters and checks (hub/book-names.ts); read once, at the first view.
   * @default the book's own, src/content/docs
   */
  docDirs?: string[];
  /**
   * How long a report waits for others to share one commit of the database.
   * @default 50
   */
  saveDelayMs?: number;
  /**
   * How often live tables are sent again with no new report, so "stuck for" and "last seen" advance.
   * @default 30_000
   */
  tickMs?: number;
  /** How long a client may take to send its request headers (runner/reply.ts). */
  headersTimeoutMs?: number;
  /**
   * How many new learners and reports one source address may send (hub/limits.ts); `false` for
   * none (tests that play a whole room from one address).
   * @default SourceRates
   */
  rates?: { joins: Rate; reports: Rate } | false;
}

export interface RunningHub {
  /**
   * Where programs on this machine reach the hub, e.g. `http://127.0.0.1:4322/`; learners' runners
   * use an address of the machine on the room's network.
   */
  url: string;
  /**
   * Where the instructor's browser opens the table: this start's own origin,
   * `http://<id>.localhost:<port>/` (docs/security.md, "Instructor hub").
   */
  view: string;
  port: number;
  joinToken: string;
  viewToken: string;
  learners: HubLearners;
  /** The database, when the hub has a workspace. */
  database: string | undefined;
  close(): Promise<void>;
}

/** Live tables open at once; the view token holder needs a few tabs, not hundreds. */
const maxViewers = 32;
const joinRoute = /^\/join\/([^/]+)\/report$/;
/** The table's page and its files: what a browser loads as the hub's own. */
const pages = new Set(['/', '/hub.js', '/hub.css']);

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const log = options.log ?? ((message: string) => runnerLog.info(message));
  const opened = options.stateDir ? await HubStore.open(options.stateDir, log) : undefined;
  const tokens = opened?.tokens ?? newTokens();
  const { joinToken } = tokens;
  // The view token is new at each start, as the view's origin is: one read from an earlier
  // origin's storage (a restored tab that something else answered while the hub was down) is
  // useless. The join token stays, so that learners never have to rejoin.
  const viewToken = randomBytes(24).toString('base64url');
  const viewName = freshBookName(randomBytes(8));
  let policy = hubPolicy(viewToken, options.port, `${viewName}:${options.port}`);
  const startedAt = Date.parse(tokens.startedAt);
  const saved: StoredLearner[] = opened?.learners ?? [];
  const learners = new HubLearners(startedAt, saved, options.capacity ?? HubLimits.learners);
  const store = opened?.store;
  const saver = store
    ? new GroupCommit(store, learners, log, () => schedulePush(), options.saveDelayMs)
    : undefined;
  const viewers = new Set<LiveViewer>();
  let port = options.port;
  let pushTimer: NodeJS.Timeout | undefined;

  let names: BookNames | undefined;
  const bookNames = () =>
    (names ??= readBookNames(
      hubLanguages.map(({ lang }) => lang),
      options.docDirs,
    ));

  /** The room now: the learners, the book's order and the counts, made once for every viewer. */
  const room = (now: number) => {
    const order = options.bookOrder?.() ?? [];
    const counts = checkCounts(learners.verdicts(), order);
    const room = { capacity: learners.capacity, waiting: learners.waiting };
    const notSaved = saver?.failure?.problem;
    return {
      list: learners.list(now),
      as: (query: TableQuery): ViewOptions => ({
        query,
        order,
        counts,
        room,
        names: bookNames(),
        ...(notSaved ? { notSaved } : {}),
      }),
    };
  };
  /** When a push goes after a report: a burst's window, pushes kept to a quarter of the hub. */
  const pacing = new PushPacing();
  const push = () => {
    pushTimer = undefined;
    if (viewers.size === 0) return;
    const started = performance.now();
    const now = Date.now();
    const at = room(now);
    // Viewers with the same language and query share one view.
    const views = new Map<string, ReturnType<typeof hubView>>();
    for (const viewer of viewers) {
      const key = `${viewer.lang} ${viewer.query.sort} ${viewer.query.chapter ?? ''}`;
      let view = views.get(key);
      if (!view) views.set(key, (view = hubView(at.list, viewer.lang, now, at.as(viewer.query))));
      const event = viewer.next(view);
      if (event) viewer.response.write(event);
    }
    pacing.pushed(started);
  };
  const schedulePush = () => (pushTimer ??= setTimeout(push, pacing.delay()));
  const tick = setInterval(push, options.tickMs ?? 30_000);
  tick.unref();

  /** The book's lab and check ids, when the hub knows the book: reports of others are dropped. */
  const known = options.bookOrder
    ? (lab: string, check: string) => {
        const order = options.bookOrder?.() ?? [];
        return (
          order.length === 0 ||
          order.some((chapter) => chapter.lab === lab && chapter.checks.includes(check))
        );
      }
    : undefined;
  const report = reportRoute({
    joinToken,
    learners,
    log,
    ...(options.rates === false ? {} : { limits: new SourceLimits(options.rates) }),
    ...(known ? { known } : {}),
    stored: async (learner, keys) => {
      schedulePush();
      return saver?.save(learner, keys);
    },
    // A heartbeat: the table reads "last seen" in whole minutes, so it changes only for a learner
    // the hub had not heard from for a minute or more; others wait for the next tick.
    seen: (learner, before) => {
      saver?.touch(learner);
      if (Date.now() - before >= 60_000) schedulePush();
      return saver?.failure;
    },
  });

  const view = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const offered = url.searchParams.get('token');
    if (offered !== null && url.pathname === '/') {
      // A link of an older hub: the token goes to the fragment, which no server ever receives.
      url.searchParams.delete('token');
      response.writeHead(302, {
        Location: `/${url.search}#token=${encodeURIComponent(offered)}`,
      });
      response.end();
      return;
    }
    const lang = pickLanguage(url.searchParams.get('lang'), request.headers['accept-language']);
    if (url.pathname === '/') {
      // The page holds nothing of the room's: its script reads the token from the fragment (or
      // localStorage) and asks for the rows with it.
      const asked = parseTableQuery(url.searchParams);
      const html = hubPage([], lang, Date.now(), {
        ...(asked.ok ? { query: asked.query } : {}),
        shell: true,
        names: bookNames(),
      });
      response.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
      });
      response.end(html);
      return;
    }
    const decision = viewDecision(request, policy);
    if (!decision.ok) return sendError(response, decision.status, decision.code, decision.message);
    const asked = parseTableQuery(url.searchParams);
    if (!asked.ok) return sendError(response, 400, ErrorCode.badRequest, asked.message);
    const { query } = asked;
    const now = Date.now();
    if (url.pathname === '/api/learners') {
      sendJson(response, 200, { now: new Date(now).toISOString(), learners: learners.list(now) });
    } else if (url.pathname === '/api/learners.csv') {
      const at = room(now);
      const csv = hubCsv(at.list, lang, now, at.as(query));
      const stamp = new Date(now).toISOString().slice(0, 16).replace(/[T:]/g, '-');
      // A chapter's learners and the whole room's are told apart by name too.
      const what = query.chapter ? `classroom-${query.chapter}` : 'classroom';
      response.setHeader('Content-Disposition', `attachment; filename="${what}-${stamp}.csv"`);
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
      const viewer = new LiveViewer(response, lang, query);
      viewers.add(viewer);
      response.on('close', () => viewers.delete(viewer));
      const at = room(now);
      response.write(`retry: 2000\n${viewer.first(hubView(at.list, lang, now, at.as(query)))}`);
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
    // The hub has no service worker: one asked for here was left by an earlier listener.
    if (refuseServiceWorker(request, response)) return;
    if (hubHost(request.headers.host, policy) === 'earlier' && pages.has(url.pathname)) {
      // The table's pages are served under this start's own origin only: under 127.0.0.1 or an
      // earlier id they could run what a process that held the port before left in the browser
      // (a service worker, a cached script). A token offered there stays there.
      url.searchParams.delete('token');
      response.writeHead(302, {
        Location: `http://${policy.bookHost}${url.pathname}${url.search}`,
      });
      response.end();
      return;
    }
    // The page's own code and style hold nothing of the room's; they are served without a token.
    if (url.pathname === '/hub.js') return sendText(response, 'text/javascript', hubScript);
    if (url.pathname === '/hub.css') return sendText(response, 'text/css', hubCss);
    view(request, response, url);
  };

  // The hub holds its port on its address and on both loopback addresses, which a browser may
  // try for the view's `.localhost` name: nothing else can answer the view link.
  const addresses = hubAddresses(options.host);
  const servers = addresses.map(() =>
    boundedServer(
      handle,
      { log: (message) => log(`hub ${message}`), message: 'the hub failed on this request' },
      options.headersTimeoutMs,
    ),
  );
  const listening = await listenTwice(servers, addresses, options.port);
  port = listening.port;
  policy = hubPolicy(viewToken, port, `${viewName}:${port}`);
  const local = ['0.0.0.0', '::'].includes(options.host)
    ? '127.0.0.1'
    : options.host.includes(':')
      ? `[${options.host}]`
      : options.host;

  return {
    url: `http://${local}:${port}/`,
    view: `http://${viewName}:${port}/`,
    port,
    joinToken,
    viewToken,
    learners,
    database: store?.file,
    close: async () => {
      clearInterval(tick);
      clearTimeout(pushTimer);
      saver?.flush();
      for (const viewer of viewers) viewer.response.end();
      await listening.close();
      store?.close();
    },
  };
}
