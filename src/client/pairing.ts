/**
 * Pairing a hosted copy of the book with the learner's own runner. The runner, started with
 * `--allow-origin <this site>`, prints a link to this site whose fragment holds the runner's
 * address and token: `#runner=<url>&token=<token>`. A fragment is never sent to the site's host.
 * The page moves both into session storage (this tab only, gone when it closes) and clears the
 * fragment from the address bar and the history entry, so the token is not left in either. Only
 * the runner's address is kept across tabs (local storage), to ask before pairing with another.
 */
export interface Pairing {
  /** The runner's origin, e.g. http://127.0.0.1:4321. */
  runner: string;
  token: string;
}

const storageKey = 'istio-lab.pairing';
/** What a runner's token looks like (runner/cli.ts makes it base64url). */
export const tokenPattern = /^[A-Za-z0-9_-]{16,256}$/;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A name under .localhost: browsers resolve every one of them to loopback (RFC 6761). */
const localhostName = /^[a-z0-9-]+\.localhost$/;

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
  if (!loopbackHosts.has(url.hostname) && !localhostName.test(url.hostname)) return undefined;
  return url.origin;
}

/**
 * Whether this page came from a runner: the runner marks every answer with a Server-Timing entry
 * (runner/http/static-files.ts), which a static host's answers lack. Unknown (no navigation
 * timing) counts as yes, so the page asks its own origin.
 */
export function servedByRunner(): boolean {
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  if (!navigation) return true;
  return navigation.serverTiming.some((entry) => entry.name === 'istio-lab-runner');
}

/** This site's last runner that accepted a pairing: its address only, never a token. */
const rememberedKey = 'istio-lab.paired-runner';
/** A pairing a link brought, kept apart until its runner accepts the token. */
const offeredKey = 'istio-lab.pairing.offered';

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    // Storage disabled: nothing kept.
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | undefined): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Storage disabled: the pairing lasts as long as the page.
  }
}

const session = () => sessionStorage;
const local = () => localStorage;

function parse(text: string | null): Pairing | undefined {
  try {
    const stored = JSON.parse(text ?? 'null') as Pairing | null;
    if (stored && runnerOrigin(stored.runner) === stored.runner && tokenPattern.test(stored.token))
      return stored;
  } catch {
    // Not JSON: no pairing.
  }
  return undefined;
}

/**
 * Reads `#runner=…&token=…` if the page was opened with one and clears the fragment. The pairing
 * is only offered: it replaces this tab's pairing once its runner accepts the token
 * (`acceptOfferedPairing`), so a link with a wrong token cannot undo a working one. A link that
 * names a runner other than the one this site last paired with is taken only if the learner says
 * so, asked with that address named (`confirmRunner`). The runner's own pages pair with nothing:
 * they talk to the runner that serves them, and a link naming another would put a stranger's
 * terminal inside the genuine book.
 */
export function takePairingFromFragment(
  confirmRunner: (runner: string, previous: string) => boolean,
): void {
  if (!location.hash.includes('token=')) return;
  const fields = new URLSearchParams(location.hash.slice(1));
  if (!fields.has('runner')) return;
  const runner = runnerOrigin(fields.get('runner') ?? '');
  const token = fields.get('token') ?? '';
  // Whatever the link held, the token does not stay in the address bar or the history.
  history.replaceState(history.state, '', location.pathname + location.search);
  if (servedByRunner()) {
    console.warn(
      'istio-lab: this page is served by a runner and pairs with no other; a pairing link is for a copy of the book on a website',
    );
    return;
  }
  if (!runner || !tokenPattern.test(token)) {
    console.warn(
      'istio-lab: the pairing link is not one a runner prints (it needs #runner=http://127.0.0.1:<port>&token=<token>); start the runner with --allow-origin and open the link it prints',
    );
    return;
  }
  const previous = read(local, rememberedKey);
  if (previous !== null && previous !== runner && !confirmRunner(runner, previous)) return;
  write(session, offeredKey, JSON.stringify({ runner, token } satisfies Pairing));
}

/** The pairing a link offered in this tab and its runner has not yet accepted, if any. */
export function offeredPairing(): Pairing | undefined {
  if (servedByRunner()) return undefined;
  return parse(read(session, offeredKey));
}

/**
 * Settles an offered pairing: accepted by its runner, it becomes this tab's pairing and the
 * site's remembered runner; refused, it is dropped and the pairing before it stays.
 */
export function settleOfferedPairing(accepted: boolean): void {
  const offered = offeredPairing();
  write(session, offeredKey, undefined);
  if (!offered || !accepted) return;
  write(session, storageKey, JSON.stringify(offered));
  write(local, rememberedKey, offered.runner);
}

/** This tab's pairing, if it has one that is still well-formed; never on the runner's own pages. */
export function currentPairing(): Pairing | undefined {
  if (servedByRunner()) return undefined;
  return parse(read(session, storageKey));
}

/** Forgets the pairing: its runner has been restarted with a new token. */
export function forgetPairing(): void {
  write(session, storageKey, undefined);
}
