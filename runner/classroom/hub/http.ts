import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../../src/lib/wire/error-codes.ts';
import { sendError } from '../../reply.ts';
import { readBearer, tokensEqual } from '../../http/auth.ts';
import { HubLimits } from './report.ts';

/**
 * Headers on every answer: no inline code, no framing, no sniffing, nothing cached. Forms may
 * submit to the hub itself only: the table's controls are a GET form to its own page.
 */
export const hubHeaders = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
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

/** The request's Origin is absent (a learner's runner, a typed URL) or the hub's own. */
export function ownOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  return origin === undefined || origin === `http://${request.headers.host ?? ''}`;
}

/**
 * Whether the request carries the view token, as a Bearer header only: the runner's scheme
 * (fragment → localStorage → Bearer). A cookie would go to every server on this host, whatever its
 * port, and ride on any request a page can make.
 */
export function hasViewToken(request: IncomingMessage, viewToken: string): boolean {
  const offered = readBearer(request.headers.authorization);
  return offered !== undefined && tokensEqual(offered, viewToken);
}
