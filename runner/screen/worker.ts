// The worker thread behind runner/screen/host.ts: it keeps every terminal's headless xterm, so that
// parsing a flood of output takes a core of its own instead of the runner's main thread.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import type { ScreenReply, ScreenRequest } from './host.ts';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

interface Kept {
  terminal: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  scrollback: number;
  /** Counts the writes and resizes received: a serialization is current while it is unchanged. */
  changes: number;
  /** The last serialization, while no write or resize has been received since. */
  serialized: { changes: number; data: string } | undefined;
}

/**
 * A full collection, which also hands the pages it frees back to the system. V8 grows its heap
 * for a serialization's garbage and keeps it (docs/performance.md); collecting once the screen
 * is serialized, or once a flood has been parsed, keeps the worker near what it really holds.
 * Exposed through a new context, as the flag takes effect only for contexts made after it.
 */
const collect = ((): (() => void) | undefined => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
  return typeof gc === 'function' ? (gc as () => void) : undefined;
})();
let collectTimer: NodeJS.Timeout | undefined;
/** `ScreenLimits.collectAfterWritesMs`, handed over by the host (host.ts stays out of the worker). */
const { collectAfterWritesMs } = workerData as { collectAfterWritesMs: number };

function collectNow(): void {
  clearTimeout(collectTimer);
  collect?.();
}

/** Collects once the worker has nothing else to do for `ms`; a later call moves it. */
function collectWhenIdle(ms: number): void {
  if (!collect) return;
  clearTimeout(collectTimer);
  collectTimer = setTimeout(collect, ms);
  collectTimer.unref();
}

const port = parentPort;
if (!port)
  throw new Error('runner/screen/worker.ts runs as a worker thread (runner/screen/host.ts)');
const screens = new Map<number, Kept>();
const reply = (message: ScreenReply) => port.postMessage(message);

port.on('message', (request: ScreenRequest) => {
  if (request.op === 'heap') {
    const heap = getHeapStatistics();
    reply({
      op: 'heap',
      request: request.request,
      heap: { total: heap.total_heap_size, used: heap.used_heap_size, collects: Boolean(collect) },
    });
    return;
  }
  if (request.op === 'open') {
    const terminal = new Terminal({
      cols: request.cols,
      rows: request.rows,
      scrollback: request.scrollback,
      allowProposedApi: true,
    });
    const serializer = new SerializeAddon();
    terminal.loadAddon(serializer);
    screens.set(request.id, {
      terminal,
      serializer,
      scrollback: request.scrollback,
      changes: 0,
      serialized: undefined,
    });
    return;
  }
  const screen = screens.get(request.id);
  if (!screen) return;
  const { terminal } = screen;
  switch (request.op) {
    case 'write': {
      changed(screen);
      const bytes = request.data.byteLength;
      terminal.write(request.data, () => {
        reply({ op: 'written', id: request.id, bytes });
        collectWhenIdle(collectAfterWritesMs);
      });
      break;
    }
    case 'resize':
      changed(screen);
      // After what is already queued: that output was written for the old size.
      terminal.write('', () => terminal.resize(request.cols, request.rows));
      break;
    case 'prepare': {
      const at = screen.changes;
      if (screen.serialized?.changes !== at)
        terminal.write('', () => {
          serialized(screen, at);
          collectNow();
        });
      break;
    }
    case 'serialize': {
      const at = screen.changes;
      const send = () => {
        const reused = screen.serialized?.changes === at;
        const data = serialized(screen, at);
        reply({ op: 'serialized', id: request.id, request: request.request, data, reused });
        // The answer is on its way: the garbage of making it can go before anything else.
        if (!reused) collectNow();
      };
      if (screen.serialized?.changes === at) send();
      else terminal.write('', send);
      break;
    }
    case 'close':
      screens.delete(request.id);
      terminal.dispose();
      break;
  }
});

function changed(screen: Kept): void {
  screen.changes++;
  // Out of date: its memory can go now.
  screen.serialized = undefined;
}

/**
 * The screen serialized, once everything received up to change `at` is parsed: the copy kept,
 * if it is of that change, or a new one, kept unless more has been received since.
 */
function serialized(screen: Kept, at: number): string {
  if (screen.serialized?.changes === at) return screen.serialized.data;
  const data = screen.serializer.serialize({ scrollback: screen.scrollback });
  if (screen.changes === at) screen.serialized = { changes: at, data };
  return data;
}
