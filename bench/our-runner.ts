import { spawnRunner } from '../tests/servers.ts';
import type { Scope } from './scope.ts';
import { waitFor } from './scope.ts';

export const root = new URL('..', import.meta.url).pathname;

export interface OurRunner {
  /** Where this process reaches the runner (127.0.0.1). */
  url: string;
  /** The book's address for the browser: the runner's own origin at this start. */
  book: string;
  port: number;
  token: string;
  pid: number;
  /** Headers a tool sends: the token as a Bearer. */
  headers: Record<string, string>;
  /** From spawning the process to the first 200 of /api/health. */
  firstAnswerMs: number;
  stop(): Promise<void>;
}

/**
 * Starts the runner as `npm start` does (runner/cli.ts, its own process, so its memory is its own),
 * the way the end-to-end tests do (tests/servers.ts): a fresh workspace, the given build
 * and labs, and `env` over the bench's own environment (ISTIO_LAB_MEMORY=plain, for one).
 */
export async function startOurRunner(
  scope: Scope,
  options: { dist: string; labs: readonly string[]; env?: NodeJS.ProcessEnv },
): Promise<OurRunner> {
  const home = scope.tempDir('istio-lab-bench-home-');
  const spawnedAt = performance.now();
  const runner = spawnRunner({
    home,
    dist: options.dist,
    labs: options.labs,
    ...(options.env ? { env: options.env } : {}),
  });
  scope.defer('stop the runner', runner.stop);
  const file = await runner.started;
  const headers = { Authorization: `Bearer ${file.token}` };
  await waitFor('the runner to answer /api/health', async () => {
    try {
      const response = await fetch(new URL('api/health', file.url), { headers });
      await response.arrayBuffer();
      return response.ok ? true : undefined;
    } catch {
      // Listening is announced before the first answer can be read: try again.
      return undefined;
    }
  });
  const firstAnswerMs = performance.now() - spawnedAt;
  return { ...file, pid: runner.child.pid ?? 0, headers, firstAnswerMs, stop: runner.stop };
}
