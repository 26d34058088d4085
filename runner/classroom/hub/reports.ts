import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, errorDetail } from '../../../src/lib/wire/error-codes.ts';
import { tokensEqual } from '../../http/auth.ts';
import { sendError } from '../../reply.ts';
import { readBody } from './http.ts';
import type { HubLearners, KnownCheck } from './learners.ts';
import { reportSchema } from './report.ts';
import type { SourceLimits } from './limits.ts';
import type { StoreFailure } from './store.ts';

/**
 * `POST /join/<join token>/report`: the only way anything enters the hub. The order of the
 * refusals is the contract: method, Origin, token, the source's report rate, content type, size,
 * JSON, schema, the source's join rate (a new learner), limits.
 */
export interface ReportRoute {
  joinToken: string;
  learners: HubLearners;
  log: (message: string) => void;
  /** The book's lab and check ids: results of others are dropped. */
  known?: KnownCheck;
  /** How many reports and new learners one source address may send (hub/limits.ts). */
  limits?: SourceLimits;
  /**
   * Called after a report was taken into memory, with the learner and the checks to save; the
   * answer waits for the promise: 204 once the commit that holds the report is done (hub/saving.ts),
   * 503 `hub-not-saved` when it failed, so that a report the hub acknowledged is one it has saved.
   */
  stored: (learner: string, keys: readonly string[]) => Promise<StoreFailure | undefined>;
  /**
   * Called instead of `stored` for a heartbeat (a report that changed nothing but the learner's
   * "last seen", hub/learners.ts `quiet`), with the time it replaced; answered at once, 204, or
   * 503 while saving fails (what this returns), so the learner's runner still says so.
   */
  seen?: (learner: string, before: number) => StoreFailure | undefined;
}

export function reportRoute(route: ReportRoute) {
  let warnedFull = false;

  const limited = (response: ServerResponse, seconds: number, what: string) => {
    response.setHeader('Retry-After', String(seconds));
    sendError(
      response,
      429,
      ErrorCode.rateLimited,
      `this address sent more ${what} than the hub takes from one source: try again in ${seconds} s`,
    );
  };

  const notSaved = (response: ServerResponse, failure: StoreFailure) =>
    sendError(
      response,
      503,
      ErrorCode.hubNotSaved,
      `the hub cannot save reports now (${failure.problem}): send it again later`,
    );

  const store = (response: ServerResponse, text: string, source: string) => {
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
    if (route.limits && !route.learners.has(parsed.data.learner)) {
      const wait = route.limits.join(source);
      if (wait !== undefined) return limited(response, wait, 'new learners');
    }
    const outcome = route.learners.apply(parsed.data, Date.now(), route.known);
    if (!outcome.ok) {
      if (outcome.code === 'hub-full' && !warnedFull) {
        warnedFull = true;
        route.log(`hub: ${outcome.message}; new learners are told so and wait`);
      }
      return sendError(response, outcome.status, outcome.code, outcome.message);
    }
    if (outcome.quiet && outcome.seenBefore !== undefined && route.seen) {
      const failure = route.seen(parsed.data.learner, outcome.seenBefore);
      if (failure) return notSaved(response, failure);
      response.writeHead(204);
      response.end();
      return;
    }
    void route.stored(parsed.data.learner, outcome.keys).then((failure) => {
      // The hub may have closed meanwhile: the learner's runner then sends it again.
      if (response.writableEnded || response.destroyed) return;
      if (failure) return notSaved(response, failure);
      response.writeHead(204);
      response.end();
    });
  };

  return (request: IncomingMessage, response: ServerResponse, given: string) => {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendError(response, 405, ErrorCode.methodNotAllowed, 'reports are sent with POST');
    }
    // A learner's runner sends no Origin; a browser always does. Even the hub's own origin is
    // refused: a page can pass for it by DNS rebinding, and no page has reason to report.
    if (request.headers.origin !== undefined)
      return sendError(response, 403, ErrorCode.badOrigin, 'web pages may not send reports');
    if (!tokensEqual(given, route.joinToken))
      return sendError(
        response,
        401,
        ErrorCode.unauthorized,
        'wrong join token: this hub does not know this join link; ask the instructor for the join command its runner prints',
      );
    const source = request.socket.remoteAddress ?? '';
    const wait = route.limits?.report(source);
    if (wait !== undefined) {
      response.setHeader('Connection', 'close');
      return limited(response, wait, 'reports');
    }
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
      return sendError(response, 415, ErrorCode.badReport, 'send the report as application/json');
    readBody(request, response, (text) => {
      try {
        store(response, text, source);
      } catch (error) {
        // Past the server's own try/catch (the body arrives later): answer, never crash.
        route.log(`hub report failed: ${errorDetail(error)}`);
        if (!response.headersSent)
          sendError(response, 500, ErrorCode.internal, 'the hub failed on this report');
      }
    });
  };
}
