import { STATUS_CODES, type ServerOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../src/lib/error-codes.ts';
import type { ErrorReply } from '../../src/lib/protocol.ts';

/**
 * The one way the runner and the hub answer over HTTP: a JSON body with its length, and every
 * refusal as `{ code, message }` (src/lib/protocol.ts `errorReplySchema`), on a response or,
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

/** The options of `createServer` that hold those limits; `headersTimeoutMs` may be shortened (tests). */
export function boundedServerOptions(
  headersTimeoutMs: number = ConnectionLimits.headersTimeoutMs,
): ServerOptions {
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: Math.max(ConnectionLimits.requestTimeoutMs, headersTimeoutMs + 1),
    connectionsCheckingInterval: Math.min(ConnectionLimits.checkEveryMs, headersTimeoutMs),
    keepAliveTimeout: 5_000,
  };
}
