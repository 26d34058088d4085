// @ts-check
// The runner's memory settings, in force before the rest of it is loaded: runner/start.js imports
// this module first (and runner/cli.ts too, for a runner started without start.js). Plain
// JavaScript, as it runs before any TypeScript is loaded (start.js says why that matters).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Every chunk of a flood passes through the main thread as a short-lived Buffer: from the pty, to
 * the page's socket, to the screens' worker. V8 answers a flood by growing the young generation,
 * and keeps it grown; the Buffers it holds keep their native memory meanwhile, and malloc keeps
 * much of it once they are freed. Kept at its first size, the young generation is collected more
 * often, and the runner keeps less after a flood at the same throughput (docs/performance.md has
 * the figures). `--max-semi-space-size`
 * would say the same on Node's command line only; the growth factor takes effect at run time,
 * for what is allocated after it: anything allocated before would have grown it already.
 */
setFlagsFromString('--semi-space-growth-factor=1');

/**
 * glibc malloc's settings (read from the environment when a process starts, and ignored by other
 * C libraries). With them, the runner keeps less of what floods freed (docs/performance.md):
 * - two arenas, not eight a core: the threads of libuv, the screens' worker and V8 would each take
 *   one and keep in it what floods had freed;
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

/**
 * A full collection of this thread's heap, of the memory-reducing flavour that also hands freed
 * pages back (runner/screen/worker.js says more), or undefined where V8 will not give one. `gc`
 * is exposed through a new context: the flag takes effect only for contexts made after it.
 * @returns {(() => void) | undefined}
 */
export function memoryReducingCollection() {
  setFlagsFromString('--expose-gc');
  /** @type {unknown} */
  const gc = runInNewContext('typeof gc === "function" ? gc : undefined');
  if (typeof gc !== 'function') return undefined;
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** When the main thread collects after a flood (see quietCollector). */
export const QuietCollect = {
  /** Output must have stopped for this long. */
  afterQuietMs: 1000,
  /** And at least this much must have passed through since the last collection. */
  minBytes: 8 << 20,
};

/**
 * Collects the main thread's heap once output stops after a flood. A flood's chunks pass through
 * the main thread as Buffers, and V8 keeps the pages they were in pooled after they die: one
 * collection once each flood has stopped lets the runner idle with less (docs/performance.md).
 * A collection is short, and comes only after a second of quiet, when nothing waits for the
 * runner.
 * @param {{ collect?: (() => void) | undefined; afterQuietMs?: number; minBytes?: number }} [options]
 * @returns {{ streamed(bytes: number): void }}
 */
export function quietCollector(options = {}) {
  const collect = 'collect' in options ? options.collect : memoryReducingCollection();
  const afterQuietMs = options.afterQuietMs ?? QuietCollect.afterQuietMs;
  const minBytes = options.minBytes ?? QuietCollect.minBytes;
  let streamed = 0;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  return {
    streamed(bytes) {
      if (!collect) return;
      streamed += bytes;
      if (streamed < minBytes) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        streamed = 0;
        collect();
      }, afterQuietMs);
      timer.unref();
    },
  };
}

/** How often the hub collects while a room reports (see spacedCollector). */
export const BusyCollect = { everyMs: 2000 };

/**
 * Collects the main thread's heap now and then while work goes on without a pause, at most once
 * every `everyMs`, on the turn after the work that asked. A room reporting to the hub is such
 * work: each burst of reports writes the whole table to the state file and to every open table
 * as JSON, and V8 lets the dead strings' pages pile up, so that a hub grows for as long as the
 * room reports. Collecting every `everyMs` keeps it within the bench's bound for a little more of
 * a core; collecting less often did not (docs/performance.md, "The hub collects while a room
 * reports").
 * @param {{ collect?: (() => void) | undefined; everyMs?: number; now?: () => number }} [options]
 * @returns {{ worked(): void }}
 */
export function spacedCollector(options = {}) {
  const collect = 'collect' in options ? options.collect : memoryReducingCollection();
  const everyMs = options.everyMs ?? BusyCollect.everyMs;
  const now = options.now ?? (() => performance.now());
  let last = Number.NEGATIVE_INFINITY;
  return {
    worked() {
      if (!collect || now() - last < everyMs) return;
      last = now();
      setImmediate(collect);
    },
  };
}
