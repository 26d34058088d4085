// @ts-check
// The runner's memory measures, in force before the rest of it is loaded: runner/start.js imports
// this module first (and runner/cli.ts too, for a runner started without start.js). Plain
// JavaScript, as it runs before any TypeScript is loaded (start.js says why that matters).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';

/**
 * One switch for every measure that tunes V8 or glibc malloc from outside their documented
 * defaults: `ISTIO_LAB_MEMORY=lean` (the default) takes them all, `ISTIO_LAB_MEMORY=plain` none,
 * and the runner then runs as Node runs any program. They are the young generation kept at its
 * first size, malloc's settings (and the start again that applies them), V8's memory-reducing
 * collection after a flood and in the screens' worker, the worker's small young generation
 * (runner/screen/host.ts) and the serialized copies it keeps in one piece (runner/screen/worker.js).
 * Each leans on how one version of V8 or glibc behaves, so plain is there to tell whether one of
 * them is behind a problem (a heap snapshot, a Node upgrade), and for the bench to measure what
 * they save (bench/memory-measures.ts). Nothing the runner does depends on them: what a plain
 * runner does differently is keep more memory.
 * @type {'lean' | 'plain'}
 */
export const memoryMode = readMemoryMode(process.env.ISTIO_LAB_MEMORY);
/** Whether the memory measures are taken (`memoryMode`). */
export const lean = memoryMode === 'lean';

/**
 * @param {string | undefined} value
 * @returns {'lean' | 'plain'}
 */
function readMemoryMode(value) {
  if (value === 'plain') return 'plain';
  if (value !== undefined && value !== '' && value !== 'lean' && isMainThread)
    console.error(`runner: ISTIO_LAB_MEMORY is lean or plain, not ${value}: it runs lean.`);
  return 'lean';
}

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
if (lean) setFlagsFromString('--semi-space-growth-factor=1');

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
 * process started again goes on. Where Node cannot (before 22.15), the process goes on as it is;
 * and so it does when it runs plain (`memoryMode`).
 */
export function restartWithMallocSettings() {
  if (!lean) return;
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
 * pages back (runner/screen/worker.js says more), or undefined where V8 will not give one, or
 * when the runner runs plain (`memoryMode`). `gc` is exposed through a new context: the flag takes
 * effect only for contexts made after it. "last-resort" is a flavour that Node's `gc()` takes and
 * does not document: the one V8 runs itself before it gives up for want of memory.
 * @returns {(() => void) | undefined}
 */
export function memoryReducingCollection() {
  if (!lean) return undefined;
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
