import type { RunnerState } from './bus.ts';

/** Where the runner's API is: the page's own origin (the runner serves the book). */
export const apiBase = '/api';

/** A request to the runner's API: `path` starts after /api, e.g. "/progress". */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiBase}${path}`, { credentials: 'same-origin', cache: 'no-store', ...init });
}

/** Asks the runner whether it is there and whether this browser holds its token. */
export async function probeRunner(): Promise<RunnerState> {
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
