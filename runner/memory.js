// @ts-check
// The runner's memory settings, in force before the rest of it is loaded: runner/start.js imports
// this module first (and runner/cli.ts too, for a runner started without start.js). Plain
// JavaScript, as it runs before any TypeScript is loaded (start.js says why that matters).
import { setFlagsFromString } from 'node:v8';

/**
 * Every chunk of a flood passes through the main thread as a short-lived Buffer: from the pty, to
 * the page's socket, to the screens' worker. V8 answered the bench's floods by growing the young
 * generation from 8 to 32 MiB, and kept it grown; the Buffers it held kept their native memory
 * meanwhile, and malloc kept much of it once they were freed. Kept at its first size, the young
 * generation is collected more often: the runner's RSS after the floods was 30–35 MiB lower, at
 * the same throughput within the runs' spread (docs/performance.md). `--max-semi-space-size`
 * would say the same on Node's command line only; the growth factor takes effect at run time,
 * for what is allocated after it: anything allocated before would have grown it already.
 */
setFlagsFromString('--semi-space-growth-factor=1');

/**
 * glibc malloc's settings (read from the environment when a process starts, and ignored by other
 * C libraries). After floods through two sessions, the runner kept 30 MiB less with them:
 * - two arenas, not eight a core: the threads of libuv, the screens' worker and V8 each took one
 *   and kept in it what floods had freed;
 * - blocks of 128 KiB and more mapped on their own, and unmapped when freed: glibc otherwise
 *   raises that bound to the largest block freed, up to 32 MiB, and keeps such blocks in its heaps;
 * - the top of a heap given back once 256 KiB of it is free.
 */
export const mallocSettings = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '262144',
};

/**
 * Starts this process again (same pid, same arguments) with `mallocSettings` in its environment,
 * on Linux, unless one of them is set already: the learner's own settings are kept, and the
 * process started again goes on. Where Node cannot (before 22.15), the process goes on as it is.
 */
export function restartWithMallocSettings() {
  const unset = Object.keys(mallocSettings).every((name) => process.env[name] === undefined);
  if (process.platform !== 'linux' || typeof process.execve !== 'function' || !unset) return;
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { ...process.env, ...mallocSettings },
  );
}
