/**
 * The version of the runner's protocol (the terminal's messages and the HTTP API's shapes), apart
 * from src/lib/wire/protocol.ts so that a page can compare versions without loading zod.
 *
 * It is raised only by a change that the other side cannot read past: a message or an answer
 * changing its meaning, a field becoming required. Adding a field or a message type does not
 * raise it: the page ignores fields and message types it does not know, and the runner's
 * answers only grow. A runner from before `/api/health` announced it speaks version 1.
 */
export const protocolVersion = 1;

/**
 * The WebSocket subprotocol of the terminal; a page offers `istio-lab.token.<token>` beside it,
 * as a browser's WebSocket cannot send an Authorization header (docs/security.md). It is here,
 * apart from zod, for the page's runner link (src/client/runner-link.ts).
 */
export const terminalProtocol = 'istio-lab';

/** The oldest runner protocol this page works with; an older runner is told to update. */
export const oldestRunnerProtocol = 1;

/**
 * How a runner's protocol, as its `GET /api/health` answered, stands with this page's: `old`
 * when the page needs a newer runner, `new` when the runner speaks what this page cannot read
 * (a hosted copy older than the runner), `undefined` when they work together.
 */
export function protocolMismatch(
  health: unknown,
  page: { version: number; oldest: number } = {
    version: protocolVersion,
    oldest: oldestRunnerProtocol,
  },
): 'old' | 'new' | undefined {
  const announced =
    typeof health === 'object' && health !== null && 'protocol' in health
      ? health.protocol
      : undefined;
  // A runner from before the version was announced speaks version 1.
  const runner = typeof announced === 'number' && Number.isInteger(announced) ? announced : 1;
  if (runner < page.oldest) return 'old';
  if (runner > page.version) return 'new';
  return undefined;
}
