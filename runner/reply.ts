import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, errorDetail } from '../src/lib/wire/error-codes.ts';
import type { ErrorReply } from '../src/lib/wire/protocol.ts';

/**
 * The one way the runner and the hub answer over HTTP: a JSON body with its length, and every
 * refusal as `{ code, message }` (src/lib/wire/protocol.ts `errorReplySchema`), on a response or,
 * before a WebSocket handshake, on the raw socket.
 */

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendError(
  response: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  sendJson(response, status, { code, message } satisfies ErrorReply);
}

/** Refuses a WebSocket upgrade with an HTTP answer in the same shape, and closes the socket. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  const body = JSON.stringify({ code, message } satisfies ErrorReply);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/**
 * How long a client may take over its request, and how many connections are kept at once, for
 * the runner and the hub alike. A browser sends its headers at once; a connection that has sent
 * half of them for seconds is holding a slot, and is closed: the server looks every half second.
 */
export const ConnectionLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  checkEveryMs: 500,
  maxConnections: 1_024,
} as const;

/**
 * An HTTP server that holds those limits (`headersTimeoutMs` may be shortened, for tests) and
 * never lets a handler's exception escape: it is logged and, if nothing was sent yet, answered
 * with a 500 `internal` saying `failure`. The runner and the hub both start theirs here.
 */
export function boundedServer(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
  failure: { log: (message: string) => void; message: string },
  headersTimeoutMs: number = ConnectionLimits.headersTimeoutMs,
): Server {
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: Math.max(ConnectionLimits.requestTimeoutMs, headersTimeoutMs + 1),
      connectionsCheckingInterval: Math.min(ConnectionLimits.checkEveryMs, headersTimeoutMs),
      keepAliveTimeout: 5_000,
    },
    (request, response) => {
      try {
        handle(request, response);
      } catch (error) {
        failure.log(`request failed: ${errorDetail(error)}`);
        if (!response.headersSent) sendError(response, 500, ErrorCode.internal, failure.message);
      }
    },
  );
  server.maxConnections = ConnectionLimits.maxConnections;
  return server;
}
