import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, errorMessage } from '../../src/lib/wire/error-codes.ts';
import type { HubStatus } from '../../src/lib/wire/hub-status.ts';
import type { CheckResult, ServerMessage } from '../../src/lib/wire/protocol.ts';
import { protocolVersion } from '../../src/lib/wire/protocol-version.ts';
import { runCheck } from '../checks/checks.ts';
import { diagnose } from '../doctor/doctor.ts';
import type { LabCatalog } from '../lab-catalog.ts';
import type { ProcessLedger } from '../process/ledger.ts';
import type { ProgressStore } from '../checks/progress.ts';
import { sendError, sendJson } from '../reply.ts';

export interface ApiContext {
  version: string;
  labs: LabCatalog;
  progress: ProgressStore;
  env: NodeJS.ProcessEnv;
  cwd: string;
  kubeContext: string;
  /** Where checks record their process sessions while they run. */
  ledger?: ProcessLedger;
  /** Tells every attached page about a check in progress (through runner/terminal/socket.ts). */
  broadcast: (message: ServerMessage) => void;
  /**
   * What this runner's reporter knows of the instructor's hub (--report-to), for `/api/health`
   * to carry to the page; undefined when it reports to no hub.
   */
  hubStatus?: () => HubStatus | undefined;
}

const checkRoute = /^\/api\/checks\/([^/]+)\/([^/]+)$/;

/**
 * The runner's HTTP API (docs/runner-api.md). Called only after the request passed the Host,
 * Origin and token checks. Runs of the same check at once share one run.
 */
export function createApi(context: ApiContext): Api {
  const inFlight = new Map<string, Promise<CheckResult>>();
  const stop = new AbortController();

  const check = async (response: ServerResponse, lab: string, id: string, once: boolean) => {
    const found = context.labs.check(lab, id);
    if (!found.ok) return sendError(response, 404, found.code, found.message);
    const key = `${lab}/${id}${once ? ' once' : ''}`;
    let run = inFlight.get(key);
    if (!run) {
      // Once: one attempt, no polling — how "Re-verify all" asks whether a state still holds.
      const spec = once ? { ...found.value, waitUpTo: undefined } : found.value;
      run = runCheck(spec, {
        env: context.env,
        cwd: context.cwd,
        signal: stop.signal,
        ...(context.ledger ? { ledger: context.ledger } : {}),
        onAttempt: (attempt, _last, why) =>
          context.broadcast({ type: 'check', lab, check: id, attempt, ...(why ? { why } : {}) }),
      })
        // The answer waits for the result to be saved, and says whether it was: a pass that the
        // next start would not know of must not look like one that it will. A run cut short by
        // shutdown proved nothing: it is not recorded as a failure.
        .then(async (result) =>
          stop.signal.aborted
            ? result
            : { ...result, ...(await context.progress.record(lab, id, result)) },
        )
        .finally(() => inFlight.delete(key));
      inFlight.set(key, run);
    }
    const result = await run;
    // The whole verdict but its output, for every tab: each shows it on the check's own line.
    const { status, reason, why, cause, hint, saved, saveError } = result;
    context.broadcast({
      type: 'check',
      lab,
      check: id,
      attempt: result.attempts,
      status,
      reason,
      why,
      cause,
      hint,
      saved,
      saveError,
    });
    sendJson(response, 200, result);
  };

  const handle = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const only = (allowed: string) => {
      if (method === allowed) return true;
      response.setHeader('Allow', allowed);
      sendError(response, 405, ErrorCode.methodNotAllowed, `${path} answers ${allowed} only`);
      return false;
    };
    const failed = (error: unknown) => {
      if (!response.headersSent) sendError(response, 500, ErrorCode.internal, errorMessage(error));
    };
    if (path === '/api/health') {
      // `protocol` lets a page of another version say when it cannot work with this runner;
      // `hub`, that the classroom hub it reports to is full or cannot save (older pages ignore it).
      if (only('GET')) {
        const hub = context.hubStatus?.();
        sendJson(response, 200, {
          ok: true,
          version: context.version,
          protocol: protocolVersion,
          ...(hub ? { hub: { status: hub } } : {}),
        });
      }
    } else if (path === '/api/progress') {
      if (only('GET')) sendJson(response, 200, context.progress.snapshot);
    } else if (path === '/api/doctor') {
      if (only('GET'))
        // The runner holds the port this request came in on, and its hub's: no conflict.
        diagnose({
          env: context.env,
          kubeContext: context.kubeContext,
          ownPort: request.socket.localPort,
          ownPid: process.pid,
          labProblems: context.labs.problems.map((problem) => problem.message),
        }).then((items) => sendJson(response, 200, { items }), failed);
    } else if (checkRoute.test(path)) {
      const [, lab = '', id = ''] = checkRoute.exec(path) ?? [];
      const wait = url.searchParams.get('wait');
      if (wait !== null && wait !== '0')
        sendError(
          response,
          400,
          ErrorCode.badRequest,
          `wait=${wait} is not understood: leave it out to poll as the check says, or give wait=0 for one attempt`,
        );
      else if (only('POST'))
        check(response, safeDecode(lab), safeDecode(id), wait === '0').catch(failed);
    } else {
      sendError(response, 404, ErrorCode.notFound, `no API at ${path}; see docs/runner-api.md`);
    }
  };
  return { handle, abortChecks: () => stop.abort() };
}

/** The API's request handler, and a way to stop every check in flight (on shutdown). */
export interface Api {
  handle: (request: IncomingMessage, response: ServerResponse, url: URL) => void;
  abortChecks: () => void;
}

/** A path segment decoded, or as it is when its escapes are broken (it then matches no id). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Broken percent-escapes: keep the raw text, which the lookup reports as unknown.
    return segment;
  }
}
