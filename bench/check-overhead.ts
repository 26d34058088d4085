import { spawn } from 'node:child_process';
import type { OurRunner } from './our-runner.ts';

/** One POST /api/checks/bench/true, as the page sends it; resolves with its round trip in ms. */
export async function timeCheck(runner: OurRunner): Promise<number> {
  const start = performance.now();
  const response = await fetch(new URL('api/checks/bench/true', runner.url), {
    method: 'POST',
    headers: runner.headers,
  });
  const body = (await response.json()) as { status?: string; reason?: string };
  const ms = performance.now() - start;
  if (body.status !== 'pass')
    throw new Error(`the bench check did not pass: ${response.status} ${JSON.stringify(body)}`);
  return ms;
}

/**
 * The same command with nothing around it: `bash -c true` spawned from this process as the runner
 * spawns a check (own process group, stdout and stderr piped), timed until its pipes close.
 */
export function timeBareSpawn(cwd: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - start) : reject(new Error(`bash exited ${code}`)),
    );
  });
}
