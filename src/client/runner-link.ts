import type { ZodMiniType } from 'zod/mini';
import { ErrorCode, errorMessage } from '../lib/wire/error-codes.ts';
import type { Hint, Why } from '../lib/wire/failure-reasons.ts';
import type { Progress } from '../lib/wire/progress.ts';
import { terminalProtocol } from '../lib/wire/protocol-version.ts';
import type { CheckResult, CheckStatus } from '../lib/wire/protocol.ts';
import type { RunnerState } from './bus.ts';
import {
  currentPairing,
  forgetPairing,
  offeredPairing,
  servedByRunner,
  settleOfferedPairing,
  takePairingFromFragment,
  tokenPattern,
} from './pairing.ts';
import { errorText, t } from './strings.ts';

/** Where this origin keeps the runner's token, once the runner has accepted it. */
const localTokenKey = 'istio-lab.token';
/**
 * Where the sign-in script in ThemeSelect.astro puts the token of a link just opened: apart from
 * the token that works, until the runner accepts it, so that a link with a wrong token (anyone
 * can send one) cannot sign the learner out.
 */
const offeredTokenKey = 'istio-lab.token.offered';

function storedToken(key: string): string | undefined {
  try {
    const token = localStorage.getItem(key);
    return token && tokenPattern.test(token) ? token : undefined;
  } catch {
    // Storage disabled: not signed in.
    return undefined;
  }
}

/**
 * The token of the runner that serves this page, from this origin's storage: shared by its tabs
 * and kept across browser restarts, and readable by no other origin (another port included),
 * unlike a cookie, which a browser sends to every server on the same host.
 */
export function localToken(): string | undefined {
  return storedToken(localTokenKey);
}

function forgetLocalToken(): void {
  try {
    localStorage.removeItem(localTokenKey);
  } catch {
    // Nothing stored.
  }
}

/**
 * The runner this page talks to and the token it shows: the page's own origin (the runner serves
 * the book) with the token kept in this origin's storage, or, for a hosted copy of the book, the
 * runner this tab was paired with.
 */
function target(): { base: string; token: string | undefined } {
  const paired = currentPairing();
  return paired ? { base: paired.runner, token: paired.token } : { base: '', token: localToken() };
}

/**
 * A request to the runner's API: `path` starts after /api, e.g. "/progress". The token goes as a
 * Bearer header; no cookie is ever sent.
 */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const { base, token } = target();
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return fetch(`${base}/api${path}`, {
    ...init,
    headers,
    credentials: 'omit',
    cache: 'no-store',
  });
}

/**
 * Where the terminal's WebSocket goes, and the subprotocols to offer: a page cannot send a header
 * with a WebSocket, so it offers its token as the subprotocol `istio-lab.token.<token>`.
 */
export function terminalTarget(params: Record<string, string>): {
  url: URL;
  protocols: string[];
} {
  const { base, token } = target();
  const url = new URL('/api/terminal', base || location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return {
    url,
    protocols: token ? [terminalProtocol, `${terminalProtocol}.token.${token}`] : [],
  };
}

let probing: Promise<RunnerState> | undefined;
let health: unknown;

/** What the runner's `GET /api/health` last answered (its version and protocol), once probed. */
export const runnerHealth = (): unknown => health;

/**
 * Asks the runner whether it is there and whether this browser holds its token; asked once per
 * page, however many parts of the page want to know, unless `fresh` asks again (the terminal
 * does, when a runner that answered before refuses it).
 */
export function probeRunner(options: { fresh?: boolean } = {}): Promise<RunnerState> {
  if (options.fresh || !probing) probing = probe();
  return probing;
}

/** What `base`'s API says to `token`: accepted, refused (401), or no runner answered. */
async function accepts(base: string, token: string): Promise<'accepted' | 'refused' | 'absent'> {
  try {
    const response = await fetch(`${base}/api/health`, {
      headers: { Authorization: `Bearer ${token}` },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (response.ok) return 'accepted';
    return response.status === 401 ? 'refused' : 'absent';
  } catch {
    // No answer: not accepted, and what was stored before stays.
    return 'absent';
  }
}

/**
 * A token or a pairing that a link brought replaces the one kept before only once its runner has
 * accepted it; one it refuses is dropped, and the one before is kept. Returns whether a runner
 * refused what the link brought.
 */
async function settleOffered(): Promise<boolean> {
  const offered = offeredPairing();
  if (offered) {
    const answer = await accepts(offered.runner, offered.token);
    settleOfferedPairing(answer === 'accepted');
    return answer === 'refused';
  }
  if (!servedByRunner()) return false;
  const token = storedToken(offeredTokenKey);
  if (token === undefined) return false;
  const answer = await accepts('', token);
  try {
    localStorage.removeItem(offeredTokenKey);
    if (answer === 'accepted') localStorage.setItem(localTokenKey, token);
  } catch {
    // Storage disabled: nothing was kept.
  }
  return answer === 'refused';
}

/** Asks before a hosted copy pairs with a runner address other than the one it paired with. */
function confirmRunner(runner: string, previous: string): boolean {
  return window.confirm(t('lab.pairing.otherRunner', { runner, previous }));
}

async function probe(): Promise<RunnerState> {
  takePairingFromFragment(confirmRunner);
  const refused = await settleOffered();
  // A hosted copy of the book, not paired with a runner: read-only, without asking its host for
  // an API it does not have (a 404 in the console of every page); unless a runner has just
  // refused the token of its pairing link (restarted since): then the new link is needed.
  if (!currentPairing() && !servedByRunner()) return refused ? 'unpaired' : 'absent';
  try {
    const response = await apiFetch('/health');
    if (response.status === 401) {
      // A runner restarted since (a new token), or never signed in: the link it prints signs
      // this browser in again (a paired tab pairs again).
      if (currentPairing()) forgetPairing();
      else forgetLocalToken();
      return 'unpaired';
    }
    if (!response.ok) return 'absent';
    health = await response.json();
    return healthy(health) ? 'connected' : 'absent';
  } catch {
    // No server, or a static host that is not the runner: the book is read-only.
    return 'absent';
  }
}

/**
 * Whether a `GET /api/health` body is the runner's `{ ok: true, version }` (the page reads only
 * `ok`). Checked by hand rather than with a schema: every page asks, and a page without a runner
 * loads no schema library.
 */
function healthy(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'ok' in body && body.ok === true;
}

/**
 * The schemas of the runner's answers, and zod with them: loaded by the first request that
 * reads an answer, so a page without a runner never loads them.
 */
export const loadSchemas = () => import('./api-schemas.ts');

/**
 * What a request to the runner came to: its answer, parsed with the schema of what that request
 * answers; or the runner's refusal (`{ code, message }`); or, for anything else (no answer, an
 * answer that does not parse), `internal` with what went wrong.
 */
export type ApiReply<T> = { ok: true; body: T } | { ok: false; code: ErrorCode; message: string };

/** A request to the runner's API whose answer is parsed with `schema`; never throws. */
export async function requestJson<T>(
  path: string,
  schema: ZodMiniType<T>,
  init: RequestInit = {},
): Promise<ApiReply<T>> {
  try {
    const response = await apiFetch(path, init);
    const text = await response.text();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, say): the schemas below refuse it and say so.
      raw = undefined;
    }
    if (!response.ok) {
      const { errorReplySchema } = await loadSchemas();
      const refusal = errorReplySchema.safeParse(raw);
      if (refusal.success) return { ok: false, ...refusal.data };
      return unreadable(path, `HTTP ${response.status}, and not the runner's error body`);
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { ok: true, body: parsed.data };
    return unreadable(path, `the answer is not what the page expects: ${parsed.error.message}`);
  } catch (error) {
    return { ok: false, code: ErrorCode.internal, message: errorMessage(error) };
  }
}

function unreadable(path: string, why: string): ApiReply<never> {
  console.warn(`istio-lab: ${path}: ${why}`);
  return { ok: false, code: ErrorCode.internal, message: why };
}

let progressRequest: Promise<Progress> | undefined;

/**
 * The runner's progress as the page found it when it loaded: read once, however many parts of the
 * page (chapter header, sidebar marks, progress page) start from it; each keeps it current itself.
 * Rejects, with the reason in the page's words, when the runner's answer is not a progress.
 */
export function readProgress(): Promise<Progress> {
  progressRequest ??= loadSchemas()
    .then(({ progressSchema }) => requestJson('/progress', progressSchema))
    .then((reply) => {
      if (reply.ok) return reply.body;
      throw new Error(errorText(reply.code, reply.message));
    });
  return progressRequest;
}

/** A check's verdict as the page shows it: the runner's result, or why the check could not run. */
export interface CheckVerdict {
  status: CheckStatus;
  /** The runner's English, or the page's words for why the check could not run. */
  reason: string | undefined;
  output: string | undefined;
  ms: number;
  attempts: number;
  /** What the page words in its language: see src/lib/wire/failure-reasons.ts. */
  why?: Why | undefined;
  cause?: string | undefined;
  hint?: Hint | undefined;
  /** False when the runner could not save the result (docs/runner-api.md), with why. */
  saved?: boolean | undefined;
  saveError?: string | undefined;
}

/**
 * Runs one check on the runner (POST /api/checks/<lab>/<check>); never throws. `once` makes one
 * attempt instead of polling as the check says.
 */
export async function requestCheck(
  lab: string,
  check: string,
  options: { once?: boolean } = {},
): Promise<CheckVerdict> {
  const path = `/checks/${encodeURIComponent(lab)}/${encodeURIComponent(check)}${options.once ? '?wait=0' : ''}`;
  let reply: ApiReply<CheckResult>;
  try {
    const { checkResultSchema } = await loadSchemas();
    reply = await requestJson(path, checkResultSchema, { method: 'POST' });
  } catch (error) {
    // The schemas could not be loaded (the page's own files are gone: a new build).
    reply = { ok: false, code: ErrorCode.internal, message: errorMessage(error) };
  }
  if (!reply.ok)
    return {
      status: 'error',
      reason: errorText(reply.code, reply.message),
      output: undefined,
      ms: 0,
      attempts: 0,
    };
  return reply.body;
}
