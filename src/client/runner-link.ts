import type { Progress } from '../../runner/checks/progress.ts';
import type { CheckResult } from '../lib/protocol.ts';
import type { RunnerState } from './bus.ts';
import { currentPairing, forgetPairing, takePairingFromFragment } from './pairing.ts';
import { errorText } from './strings.ts';

/**
 * A request to the runner's API: `path` starts after /api, e.g. "/progress". The runner is the
 * page's own origin (it serves the book, and the browser holds its cookie), or, for a hosted copy
 * of the book, the runner this tab was paired with (its token sent as a Bearer header).
 */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const paired = currentPairing();
  if (!paired)
    return fetch(`/api${path}`, { credentials: 'same-origin', cache: 'no-store', ...init });
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${paired.token}`);
  return fetch(`${paired.runner}/api${path}`, {
    ...init,
    headers,
    credentials: 'omit',
    cache: 'no-store',
  });
}

/**
 * Where the terminal's WebSocket goes, and the subprotocols to offer: a paired tab cannot send a
 * header with a WebSocket, so it offers its token as the subprotocol `istio-lab.token.<token>`.
 */
export function terminalTarget(params: Record<string, string>): {
  url: URL;
  protocols: string[];
} {
  const paired = currentPairing();
  const url = new URL('/api/terminal', paired ? paired.runner : location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { url, protocols: paired ? ['istio-lab', `istio-lab.token.${paired.token}`] : [] };
}

let probing: Promise<RunnerState> | undefined;

/**
 * Asks the runner whether it is there and whether this browser holds its token; asked once per
 * page, however many parts of the page want to know, unless `fresh` asks again (the terminal
 * does, when a runner that answered before refuses it).
 */
export function probeRunner(options: { fresh?: boolean } = {}): Promise<RunnerState> {
  if (options.fresh || !probing) probing = probe();
  return probing;
}

async function probe(): Promise<RunnerState> {
  takePairingFromFragment();
  try {
    const response = await apiFetch('/health');
    if (response.status === 401) {
      // A paired tab whose runner was restarted: its token is gone; the new link pairs again.
      if (currentPairing()) forgetPairing();
      return 'unpaired';
    }
    if (!response.ok) return 'absent';
    const body = (await response.json()) as { ok?: boolean };
    return body.ok === true ? 'connected' : 'absent';
  } catch {
    // No server, or a static host that is not the runner: the book is read-only.
    return 'absent';
  }
}

let progressRequest: Promise<Progress> | undefined;

/**
 * The runner's progress as the page found it when it loaded: read once, however many parts of the
 * page (chapter header, sidebar marks, progress page) start from it; each keeps it current itself.
 */
export function readProgress(): Promise<Progress> {
  progressRequest ??= getJson<Progress>('/progress').then(({ body }) => body);
  return progressRequest;
}

export async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await apiFetch(path);
  return { status: response.status, body: (await response.json()) as T };
}

export async function postJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await apiFetch(path, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as T };
}

/** A check's verdict as the page shows it: the runner's result, or why the check could not run. */
export interface CheckVerdict {
  state: 'pass' | 'fail' | 'error';
  reason: string | undefined;
  output: string | undefined;
  ms: number;
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
  try {
    const { status, body } = await postJson<CheckResult & { code?: string; message?: string }>(
      `/checks/${encodeURIComponent(lab)}/${encodeURIComponent(check)}${options.once ? '?wait=0' : ''}`,
    );
    if (status !== 200)
      return {
        state: 'error',
        reason: errorText(body.code ?? 'internal', body.message ?? ''),
        output: undefined,
        ms: 0,
      };
    return { state: body.status, reason: body.reason, output: body.output, ms: body.ms };
  } catch (error) {
    return {
      state: 'error',
      reason: errorText('internal', (error as Error).message),
      output: undefined,
      ms: 0,
    };
  }
}
