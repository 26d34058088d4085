/**
 * Stable error codes that travel from the runner to the page (HTTP bodies and `error` frames).
 * The page maps each one to a localized string `lab.error.<code>`; tools match on the code.
 * This module has no dependencies so that browser code can import it cheaply.
 */
export const ErrorCode = {
  /** No token, or a token from another start of the runner. */
  unauthorized: 'unauthorized',
  /** The Host header is not one the runner answers to (DNS rebinding defence). */
  badHost: 'bad-host',
  /** The Origin header is neither the runner's own nor one allowed with --allow-origin. */
  badOrigin: 'bad-origin',
  notFound: 'not-found',
  methodNotAllowed: 'method-not-allowed',
  /** A query parameter the API does not understand. */
  badRequest: 'bad-request',
  unknownLab: 'unknown-lab',
  /** The lab's file does not load (bad YAML, a key the schema refuses): the message says where. */
  brokenLab: 'broken-lab',
  unknownCell: 'unknown-cell',
  unknownCheck: 'unknown-check',
  /** A lab's prepare or cleanup asked for, and the lab has none. */
  unknownScript: 'unknown-script',
  /** A text frame that is not JSON. */
  badJson: 'bad-json',
  /** JSON that is not one of the protocol's messages, or has bad fields. */
  badMessage: 'bad-message',
  badResize: 'bad-resize',
  /** A frame over the 1 MiB limit (sent as close code 1009 on the WebSocket). */
  tooLarge: 'too-large',
  /** A cell was asked to run while another command is still running in the shell. */
  shellBusy: 'shell-busy',
  /** The shell of the session has ended. */
  sessionEnded: 'session-ended',
  tooManySessions: 'too-many-sessions',
  badSession: 'bad-session',
  /** The hub: a report that is not JSON, or not the report schema (runner/classroom/hub/report.ts). */
  badReport: 'bad-report',
  /** The hub: the room has as many learners as it takes (--hub-capacity). */
  hubFull: 'hub-full',
  /** The hub: the learner id is bound to another runner's secret. */
  learnerTaken: 'learner-taken',
  /** The hub: this address sent more joins or reports than the hub takes from one source. */
  rateLimited: 'rate-limited',
  /** The hub could not commit the report (read-only, full disk, I/O error): send it again later. */
  hubNotSaved: 'hub-not-saved',
  /** The hub: a learner reported more distinct checks than the book has. */
  tooManyChecks: 'too-many-checks',
  /** The hub: too many pages watch the table at once. */
  tooManyViewers: 'too-many-viewers',
  /** Something failed inside the runner; the message says what. */
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every code, for schemas that accept only these. */
export const errorCodes = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

/**
 * What went wrong, in words, whatever was thrown: an Error's message, or the thrown value as
 * text. The one way the book turns a caught value into a sentence.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** For a log: the stack of what was thrown when it has one, else its message. */
export function errorDetail(error: unknown): string {
  return error instanceof Error && error.stack ? error.stack : errorMessage(error);
}

/** WebSocket close codes used by the runner beyond the standard ones. */
export const CloseCode = {
  /** RFC 6455: message too big. */
  tooLarge: 1009,
  /** Another page attached to the same session. */
  takenOver: 4001,
  /** The session's shell exited. */
  sessionEnded: 4002,
  /** The runner is shutting down. */
  shutdown: 4003,
} as const;
