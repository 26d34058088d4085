import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scope } from './scope.ts';
import { waitFor } from './scope.ts';

export const root = new URL('..', import.meta.url).pathname;

export interface OurRunner {
  url: string;
  port: number;
  token: string;
  pid: number;
  /** Headers a tool sends: the token as a Bearer. */
  headers: Record<string, string>;
  /** From spawning the process to the first 200 of /api/health. */
  firstAnswerMs: number;
  stop(): Promise<void>;
}

/** Ends a child with SIGTERM and waits for it; safe to call twice. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts the runner as `npm start` does (runner/cli.ts, its own process, so its memory is its own),
 * the way the end-to-end tests do: a free port, a fresh workspace, the given build and labs.
 */
export async function startOurRunner(
  scope: Scope,
  options: { dist: string; labs: readonly string[] },
): Promise<OurRunner> {
  const home = scope.tempDir('istio-lab-bench-home-');
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(root, 'runner/cli.ts'),
      '--port',
      '0',
      '--no-build',
      '--dist',
      options.dist,
      ...options.labs.flatMap((dir) => ['--labs', dir]),
    ],
    { env: { ...process.env, ISTIO_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () => stopChild(child);
  scope.defer('stop the runner', stop);
  const file = await waitFor('the runner to write runner.json', () => {
    if (child.exitCode !== null) throw new Error(`the runner exited early:\n${output}`);
    try {
      return JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as {
        url: string;
        port: number;
        token: string;
      };
    } catch {
      // Not written yet: the runner is still starting.
      return undefined;
    }
  });
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
  return { ...file, pid: child.pid ?? 0, headers, firstAnswerMs, stop };
}
