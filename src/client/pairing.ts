/**
 * Pairing a hosted copy of the book with the learner's own runner. The runner, started with
 * `--allow-origin <this site>`, prints a link to this site whose fragment holds the runner's
 * address and token: `#runner=<url>&token=<token>`. A fragment is never sent to the site's host.
 * The page moves both into session storage (this tab only, gone when it closes) and clears the
 * fragment from the address bar and the history entry, so the token is not left in either.
 */
export interface Pairing {
  /** The runner's origin, e.g. http://127.0.0.1:4321. */
  runner: string;
  token: string;
}

const storageKey = 'istio-lab.pairing';
/** What a runner's token looks like (runner/http/server.ts makes it base64url). */
export const tokenPattern = /^[A-Za-z0-9_-]{16,256}$/;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The runner origin a pairing may name: http(s) on a loopback address. A link that names another
 * machine is refused, so that a link from anywhere cannot point the book at a stranger's server.
 */
export function runnerOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not a URL at all: not a runner.
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!loopbackHosts.has(url.hostname)) return undefined;
  return url.origin;
}

/** Reads `#runner=…&token=…` if the page was opened with one, stores it and clears the fragment. */
export function takePairingFromFragment(): void {
  if (!location.hash.includes('token=')) return;
  const fields = new URLSearchParams(location.hash.slice(1));
  const runner = runnerOrigin(fields.get('runner') ?? '');
  const token = fields.get('token') ?? '';
  // Whatever the link held, the token does not stay in the address bar or the history.
  history.replaceState(history.state, '', location.pathname + location.search);
  if (!runner || !tokenPattern.test(token)) {
    console.warn(
      'istio-lab: the pairing link is not one a runner prints (it needs #runner=http://127.0.0.1:<port>&token=<token>); start the runner with --allow-origin and open the link it prints',
    );
    return;
  }
  sessionStorage.setItem(storageKey, JSON.stringify({ runner, token } satisfies Pairing));
}

/** This tab's pairing, if it has one that is still well-formed. */
export function currentPairing(): Pairing | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Pairing | null;
    if (stored && runnerOrigin(stored.runner) === stored.runner && tokenPattern.test(stored.token))
      return stored;
  } catch {
    // Unreadable storage (or storage disabled): no pairing.
  }
  return undefined;
}

/** Forgets the pairing: its runner has been restarted with a new token. */
export function forgetPairing(): void {
  sessionStorage.removeItem(storageKey);
}
