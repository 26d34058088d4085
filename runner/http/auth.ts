import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ErrorCode } from '../../src/lib/wire/error-codes.ts';
import { terminalProtocol } from '../../src/lib/wire/protocol.ts';

/**
 * Who may talk to the runner. The order of the checks is the security model (docs/security.md):
 * 1. Host must name this runner (defeats DNS rebinding: a hostile name resolving to 127.0.0.1).
 * 2. Origin, when a browser sends one, must be the runner's own or an --allow-origin value
 *    (defeats cross-site requests and WebSockets, which carry cookies).
 * 3. The token, from an Authorization: Bearer header or the WebSocket subprotocol
 *    `istio-lab.token.<token>`, must be this start's. No cookie counts: cookies are not scoped by
 *    port, so a browser would send one to every other server on 127.0.0.1. The page keeps the
 *    token in its own origin's storage and sends it itself.
 * Nothing is read, spawned or answered with data before all three hold.
 */
export interface AuthPolicy {
  token: string;
  /** Host header values accepted, e.g. `127.0.0.1:4321`. */
  hosts: ReadonlySet<string>;
  /**
   * Origins accepted, e.g. `http://127.0.0.1:4321`: the runner's own, its --public-url and the
   * --allow-origin values.
   */
  origins: ReadonlySet<string>;
  /**
   * The host of this start's own origin, `<random id>.localhost:<port>`, when the runner has one
   * (docs/security.md, "A fresh origin at every start"). Its pages are served there only, and a
   * page under any other loopback name of this port (127.0.0.1, localhost, an earlier start's
   * id) is from before this start: it is sent to this host, and its requests get 401.
   */
  bookHost?: string;
  port: number;
}

export interface RequestFacts {
  host: string | undefined;
  origin: string | undefined;
  /** From `Authorization: Bearer`, or offered as the terminal's subprotocol. */
  bearerToken: string | undefined;
}

export type Decision =
  { ok: true } | { ok: false; status: 401 | 403; code: ErrorCode; message: string };

/** The names of this machine's loopback interface that the runner always answers to. */
export const loopbackNames: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/**
 * Whether a --host keeps the runner on this machine: the one definition of "loopback" in the
 * runner. Only an IPv4 literal in 127.0.0.0/8, `::1`, or exactly `localhost`: a name such as
 * `127.0.0.1.example.com` starts like a loopback address and is looked up in DNS, so it is
 * refused before any lookup. Anything else needs --expose-on-network.
 */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIPv4(host) && host.split('.')[0] === '127';
}

/** Hosts a loopback runner answers to on a port, in the spellings browsers send. */
export function loopbackHosts(port: number, extraHost?: string): Set<string> {
  const hosts = new Set(
    loopbackNames.map((name) => `${name.includes(':') ? `[${name}]` : name}:${port}`),
  );
  // Listening on every address: other machines name this one by the address they reach.
  const named =
    extraHost === '0.0.0.0' || extraHost === '::'
      ? interfaceAddresses()
      : extraHost
        ? [extraHost]
        : [];
  for (const host of named) hosts.add(`${host.includes(':') ? `[${host}]` : host}:${port}`);
  return hosts;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((entry) => entry?.address)
    .filter((address): address is string => Boolean(address));
}

/**
 * What a runner accepts. `publicUrl` (--public-url) is the origin a forwarding service shows it
 * under: that exact host is accepted as a Host header and that exact origin as an Origin, as
 * loopback's are, because the forwarding service sends them for requests it carries to the
 * runner's loopback address. Nothing looser: another scheme, port or name stays refused.
 */
export function policyFor(
  token: string,
  port: number,
  allowOrigins: readonly string[],
  extraHost?: string,
  publicUrl?: string,
  bookHost?: string,
): AuthPolicy {
  const hosts = loopbackHosts(port, extraHost);
  // With a fresh origin, the plain loopback origins are no longer the book's: a page there was
  // served by whatever held the port before (docs/security.md).
  const origins = new Set(
    bookHost === undefined ? [...hosts].map((host) => `http://${host}`) : [`http://${bookHost}`],
  );
  if (bookHost !== undefined) hosts.add(bookHost);
  if (publicUrl !== undefined) {
    const url = new URL(publicUrl);
    hosts.add(url.host.toLowerCase());
    origins.add(url.origin);
  }
  for (const origin of allowOrigins) origins.add(origin);
  return { token, hosts, origins, port, ...(bookHost === undefined ? {} : { bookHost }) };
}

/** A name under `.localhost` (RFC 6761 §6.3: browsers resolve every one of them to loopback). */
const localhostName = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.localhost$/;

/** A random `<id>.localhost` name for this start's own origin: unknown to anyone before it. */
export function freshBookName(random: Buffer): string {
  return `${random.toString('hex')}.localhost`;
}

/**
 * Whether `host` (a Host header) names this port under a loopback name other than this start's
 * own: 127.0.0.1, localhost, [::1] or another `<id>.localhost`. Only when the runner has a fresh
 * origin; such a host is answered, but only to send its pages to the fresh origin.
 */
export function isEarlierHost(host: string | undefined, policy: AuthPolicy): boolean {
  if (policy.bookHost === undefined || host === undefined) return false;
  const lower = host.toLowerCase();
  if (lower === policy.bookHost) return false;
  const suffix = `:${policy.port}`;
  if (!lower.endsWith(suffix)) return false;
  const name = lower.slice(0, -suffix.length);
  return loopbackHosts(policy.port).has(lower) || localhostName.test(name);
}

/**
 * Answers a request for a service worker's script (`Service-Worker: script`), and says whether it
 * did. Neither the book nor the hub has a service worker: one asked for was registered by a page
 * that something else served under this origin before (docs/security.md). Its update check lands
 * here, and the answer removes it with the origin's storage, where the browser honours
 * Clear-Site-Data.
 */
export function refuseServiceWorker(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.headers['service-worker'] !== 'script') return false;
  response.writeHead(404, {
    'Clear-Site-Data': '"storage"',
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end('There is no service worker here.\n');
  return true;
}

/** Whether an Origin is a page that an earlier listener on this port could have served. */
function isEarlierOrigin(origin: string, policy: AuthPolicy): boolean {
  return origin.startsWith('http://') && isEarlierHost(origin.slice('http://'.length), policy);
}

/** Whether a request may see the book's static pages: Host and Origin, no token needed. */
export function decidePublic(facts: RequestFacts, policy: AuthPolicy): Decision {
  if (
    !facts.host ||
    (!policy.hosts.has(facts.host.toLowerCase()) && !isEarlierHost(facts.host, policy))
  ) {
    return deny(
      403,
      ErrorCode.badHost,
      `Host "${facts.host ?? ''}" is not this runner; open the URL the runner printed`,
    );
  }
  if (facts.origin !== undefined && !policy.origins.has(facts.origin)) {
    // A page of an earlier start, or one that whatever held this port before left behind: its
    // tab is asked to sign in again, through the link this start printed.
    if (isEarlierOrigin(facts.origin, policy))
      return deny(
        401,
        ErrorCode.unauthorized,
        'this page is from before the runner started (it has a new address at each start): open the link it printed',
      );
    return deny(
      403,
      ErrorCode.badOrigin,
      // No ready-made command with this origin in it: a hostile page would be its author.
      `Origin "${facts.origin}" may not use this runner. Only the book the runner serves may, and a hosted copy of it you allowed yourself with --allow-origin`,
    );
  }
  return { ok: true };
}

/** Whether a request may use the API or the terminal: Host, Origin, then the token. */
export function decide(facts: RequestFacts, policy: AuthPolicy): Decision {
  const open = decidePublic(facts, policy);
  if (!open.ok) return open;
  const given = facts.bearerToken;
  if (!given) {
    return deny(
      401,
      ErrorCode.unauthorized,
      'no token: open the URL with ?token= that the runner printed',
    );
  }
  if (!tokensEqual(given, policy.token)) {
    return deny(
      401,
      ErrorCode.unauthorized,
      'wrong token (the runner makes a new one at each start): open the URL it printed',
    );
  }
  return { ok: true };
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The hub's view cookie (runner/classroom/hub/http.ts): its name carries the port, because
 * cookies ignore ports. The runner itself takes no cookie.
 */
export function cookieName(port: number): string {
  return `istio_lab_${port}`;
}

/**
 * Every value of a cookie. Another page on loopback can set a cookie of the same name (with a
 * longer Path, so it comes first); the caller accepts the request if any value is the token.
 */
export function readCookies(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(';')
    .map((part) => part.trim().split('='))
    .filter(([key]) => key === name)
    .map(([, ...value]) => value.join('='));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  return readCookies(header, name)[0];
}

export function readBearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** The token a page offered as the subprotocol `istio-lab.token.<token>`, if any. */
export function readProtocolToken(header: string | undefined): string | undefined {
  const offered = header?.split(',').map((value) => value.trim()) ?? [];
  const prefix = `${terminalProtocol}.token.`;
  return offered.find((value) => value.startsWith(prefix))?.slice(prefix.length);
}

function deny(status: 401 | 403, code: ErrorCode, message: string): Decision {
  return { ok: false, status, code, message };
}
