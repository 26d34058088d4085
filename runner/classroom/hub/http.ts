import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../../src/lib/wire/error-codes.ts';
import { sendError } from '../../reply.ts';
import {
  decide,
  isEarlierHost,
  policyFor,
  readBearer,
  tokensEqual,
  type AuthPolicy,
  type Decision,
} from '../../http/auth.ts';
import { ownFilesPolicy } from '../../http/csp.ts';
import { HubLimits } from './report.ts';

/**
 * Headers on every answer: no inline code, no framing, no sniffing, nothing cached — not even
 * the page's own script, on any address: a year-long copy of a script path that something else
 * served there before would stand in for the hub's (docs/security.md). Forms may submit to the
 * hub itself only: the table's controls are a GET form to its own page.
 */
export const hubHeaders = {
  'Content-Security-Policy': ownFilesPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
} as const;

export function sendText(response: ServerResponse, type: string, text: string): void {
  response.writeHead(200, {
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Reads a body of at most HubLimits.reportBytes; a larger one gets 413 and its connection closed. */
export function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  done: (text: string) => void,
): void {
  const tooLarge = () => {
    response.setHeader('Connection', 'close');
    sendError(
      response,
      413,
      ErrorCode.tooLarge,
      `a report may hold at most ${HubLimits.reportBytes} bytes`,
    );
  };
  if (Number(request.headers['content-length'] ?? 0) > HubLimits.reportBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > HubLimits.reportBytes) {
      request.removeAllListeners('data');
      request.removeAllListeners('end');
      request.pause();
      tooLarge();
    } else chunks.push(chunk);
  });
  request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
  request.on('error', () => undefined);
}

/**
 * The addresses the hub holds its port on: its own (`--hub-host`), and 127.0.0.1 and ::1 where
 * that does not cover them, since a browser may try either for the view's `.localhost` name. On
 * `0.0.0.0` IPv4's loopback is already held, and `::` is paired with `0.0.0.0`, each IPv6 address
 * being held on its own.
 */
export function hubAddresses(host: string): string[] {
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') return ['127.0.0.1', '::1'];
  if (host === '0.0.0.0') return ['0.0.0.0', '::1'];
  if (host === '::') return ['::', '0.0.0.0'];
  return [host, '127.0.0.1', '::1'];
}

/**
 * Who may see the table, as the runner's own checks decide it (runner/http/auth.ts): the
 * instructor's view has an origin of its own at each start of the hub, `http://<id>.localhost:
 * <port>/` (`viewHost`), which no process that held the port before can have served, and a view
 * token made at that start.
 */
export function hubPolicy(viewToken: string, port: number, viewHost: string): AuthPolicy {
  return policyFor(viewToken, port, [], undefined, undefined, viewHost);
}

/**
 * What a request's Host names: this start's own view origin; another loopback name of the port
 * (127.0.0.1, localhost, [::1], an earlier start's `<id>.localhost`), where the hub's pages only
 * send the browser to the view origin; or any other address — a learner's runner on the room's
 * network, a forwarded port — where the hub answers as before, with one fixed origin.
 */
export function hubHost(
  host: string | undefined,
  policy: AuthPolicy,
): 'view' | 'earlier' | 'network' {
  if (host === undefined) return 'network';
  const lower = host.toLowerCase();
  if (lower === policy.bookHost) return 'view';
  return isEarlierHost(lower, policy) ? 'earlier' : 'network';
}

/**
 * Whether a request may read the table. On loopback, the runner's checks in its order (Host,
 * then Origin: only the view origin's own pages, or none, as a program sends; a page of an
 * earlier origin gets 401), then the view token. On any other address, an Origin (if any) must be
 * that address's own, then the view token. The token is a Bearer header only: a cookie would go
 * to every server on this host, whatever its port, and ride on any request a page can make.
 */
export function viewDecision(request: IncomingMessage, policy: AuthPolicy): Decision {
  const { host, origin } = request.headers;
  const facts = { host, origin, bearerToken: readBearer(request.headers.authorization) };
  const decision: Decision =
    hubHost(host, policy) !== 'network'
      ? decide(facts, policy)
      : origin !== undefined && origin !== `http://${host ?? ''}`
        ? { ok: false, status: 403, code: ErrorCode.badOrigin, message: '' }
        : hasViewToken(request, policy.token)
          ? { ok: true }
          : { ok: false, status: 401, code: ErrorCode.unauthorized, message: '' };
  if (decision.ok) return decision;
  return {
    ...decision,
    message:
      decision.status === 403
        ? 'the table is for its own page only'
        : 'no view token of this start of the hub: open the hub link that the instructor’s runner printed (it changes at each start)',
  };
}

/**
 * Whether the request carries the view token, as a Bearer header only: the runner's scheme
 * (fragment → localStorage → Bearer).
 */
export function hasViewToken(request: IncomingMessage, viewToken: string): boolean {
  const offered = readBearer(request.headers.authorization);
  return offered !== undefined && tokensEqual(offered, viewToken);
}
