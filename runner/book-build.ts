import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder (the runner lives in its runner/ folder). */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** What the built book depends on; a change to any of these makes the build stale. */
const sources = ['src', 'content', 'public', 'astro.config.mjs', 'package-lock.json'];
/** Written by the book's own integration when a build finishes (src/integrations/lab-book.ts). */
const stampName = '.built-at';

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether `dist` is missing or older than its sources. */
export function isStale(dist: string): boolean {
  const built = statSync(join(dist, stampName), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return sources.some((source) => newestMtime(join(projectRoot, source)) > built);
}

/** Builds the book with Astro; throws with the way out when the build fails. */
export function buildBook(dist: string, log: (message: string) => void): void {
  log('Building the book (its sources changed since the last build)...');
  const astro = join(projectRoot, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build', '--outDir', dist], {
    cwd: projectRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    throw new Error(
      'the book did not build; the messages above say which file to fix. Then run npm start again.',
    );
  }
}
