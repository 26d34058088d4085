import type { CheckResult } from '../lib/protocol.ts';
import type { RunnerState } from './bus.ts';
import { errorText } from './strings.ts';

/** Where the runner's API is: the page's own origin (the runner serves the book). */
export const apiBase = '/api';

/** A request to the runner's API: `path` starts after /api, e.g. "/progress". */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiBase}${path}`, { credentials: 'same-origin', cache: 'no-store', ...init });
}

let probing: Promise<RunnerState> | undefined;

/**
 * Asks the runner whether it is there and whether this browser holds its token; asked once per
 * page, however many parts of the page want to know.
 */
export function probeRunner(): Promise<RunnerState> {
  probing ??= probe();
  return probing;
}

async function probe(): Promise<RunnerState> {
  try {
    const response = await apiFetch('/health');
    if (response.status === 401) return 'unpaired';
    if (!response.ok) return 'absent';
    const body = (await response.json()) as { ok?: boolean };
    return body.ok === true ? 'connected' : 'absent';
  } catch {
    // No server, or a static host that is not the runner: the book is read-only.
    return 'absent';
  }
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
