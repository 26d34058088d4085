// @ts-check
// The worker thread behind runner/screen/host.ts: it keeps every terminal's headless xterm, so that
// parsing a flood of output takes a core of its own instead of the runner's main thread.
//
// Plain JavaScript, its types checked by tsc from the JSDoc: a worker that loads TypeScript loads
// Node's type stripper into its own isolate too, memory the runner would hold for as long as the
// worker runs (docs/performance.md). host.ts is imported for its types only.
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { lean, memoryReducingCollection } from '../memory.js';
import { serializeScreen } from './restore.js';
import { muteDeadlineWarnings } from './quiet-warnings.js';
/** @typedef {import('./host.ts').ScreenRequest} ScreenRequest */
/** @typedef {import('./host.ts').ScreenReply} ScreenReply */
/** @typedef {import('./host.ts').SerializedScreen} SerializedScreen */

const { Terminal } = xtermHeadless;
muteDeadlineWarnings();
const { SerializeAddon } = serializeAddon;

/**
 * @typedef {{ terminal: InstanceType<typeof Terminal>; serializer: InstanceType<typeof SerializeAddon> }} Live
 */

/**
 * @typedef {object} Kept
 * @property {Live | undefined} live The headless xterm, or undefined while the screen sleeps
 *   (`ScreenLimits.sleep`): then `serialized` holds the screen, and the terminal is made again
 *   from it, at `size`, before it is written to or resized.
 * @property {{ cols: number; rows: number }} size
 * @property {number} scrollback
 * @property {number} changes Counts the writes and resizes received: a serialization is current
 *   while it is unchanged.
 * @property {{ changes: number; screen: SerializedScreen } | undefined} serialized The last
 *   serialization, while no write or resize has been received since.
 * @property {Uint8Array[]} tail Output received while the screen sleeps, as it came, not parsed
 *   (`ScreenLimits.tailBytes`): the screen is its copy, then these bytes.
 * @property {number} tailBytes Their length.
 */

/**
 * A full collection that also hands the pages it frees back to the system. V8 grows its heap for
 * a serialization's garbage and keeps it (docs/performance.md); collecting once the screen is
 * serialized, or once a flood has been parsed, keeps the worker near what it really holds.
 *
 * The "last-resort" flavour is V8's memory-reducing collection: a plain full one frees the dead
 * objects but keeps their pages pooled for reuse, and after a flood those pooled pages are much
 * of what the runner holds (docs/performance.md). It takes a few collections in a row, about twice
 * the time of a plain one, so it runs in this thread, after the answer has been sent.
 */
const collect = memoryReducingCollection();
/** @type {NodeJS.Timeout | undefined} */
let collectTimer;
/** From `ScreenLimits`, handed over by the host (host.ts stays out of the worker). */
const { collectAfterWritesMs, visibleFirstLines, tailBytes } =
  /** @type {{ collectAfterWritesMs: number; visibleFirstLines: number; tailBytes: number }} */ (
    workerData
  );

function collectNow() {
  clearTimeout(collectTimer);
  collect?.();
}

/**
 * Collects on the next turn, once the request that asked has returned, and resolves after: the
 * next request waits for it. A terminal just let go is still held by the frame of the request
 * that let it go (its variables, and the closures made there), so a collection made from there
 * would keep it, with its buffer, until the next collection, which an idle worker may never make.
 * Defined here, at the top, so that no closure of a request's frame comes with it.
 * @returns {Promise<void> | undefined}
 */
function collectAfterThisRequest() {
  if (!collect) return undefined;
  return new Promise((resolve) =>
    setImmediate(() => {
      collectNow();
      resolve();
    }),
  );
}

/**
 * Collects once the worker has nothing else to do for `ms`; a later call moves it.
 * @param {number} ms
 */
function collectWhenIdle(ms) {
  if (!collect) return;
  clearTimeout(collectTimer);
  collectTimer = setTimeout(collect, ms);
  collectTimer.unref();
}

const port = parentPort;
if (!port)
  throw new Error('runner/screen/worker.js runs as a worker thread (runner/screen/host.ts)');
/** @type {Map<number, Kept>} */
const screens = new Map();
/** @param {ScreenReply} message */
const reply = (message) => port.postMessage(message);

/**
 * Requests are handled one at a time, in the order they came, each once its work is done: a write
 * once its bytes are parsed, a `prepare` once the screen is serialized (and let go, if asked).
 * Terminals that each parsed a part in turn would all be awake at once, each holding its full
 * buffer (xterm keeps every line of scrollback as an array of its cells), until every one of them
 * was done: when eight terminals that flooded go quiet together, each is handed its last output
 * and asked to prepare, and taken in turn, each is serialized and let go before the next one's
 * output is parsed, so that the worker holds one such buffer at a time, and the memory one freed
 * serves the next. It costs no speed: all the screens share this one thread either way.
 */
let turn = Promise.resolve();
port.on('message', (/** @type {ScreenRequest} */ request) => {
  turn = turn.then(() => handle(request));
});

/**
 * @param {ScreenRequest} request
 * @returns {Promise<void> | void}
 */
function handle(request) {
  if (request.op === 'heap') {
    if (request.collect) collectNow();
    const heap = getHeapStatistics();
    reply({
      op: 'heap',
      request: request.request,
      heap: {
        total: heap.total_heap_size,
        used: heap.used_heap_size,
        collects: Boolean(collect),
        asleep: [...screens.values()].filter(({ live }) => !live).length,
        wakes,
        external: heap.external_memory,
      },
    });
    return;
  }
  if (request.op === 'open') {
    screens.set(request.id, {
      live: newTerminal(request.cols, request.rows, request.scrollback),
      size: { cols: request.cols, rows: request.rows },
      scrollback: request.scrollback,
      changes: 0,
      serialized: undefined,
      tail: [],
      tailBytes: 0,
    });
    return;
  }
  const screen = screens.get(request.id);
  if (!screen) return;
  if (
    request.op === 'write' &&
    !screen.live &&
    screen.tailBytes + request.data.byteLength <= tailBytes
  ) {
    // Kept after the copy, as it came: the screen stays asleep (see `Kept.tail`).
    screen.tail.push(request.data);
    screen.tailBytes += request.data.byteLength;
    screen.changes++;
    reply({ op: 'written', id: request.id, bytes: request.data.byteLength });
    return;
  }
  if (request.op === 'serialize' && !screen.live && screen.tailBytes > 0) {
    const answer = withTail(screen, request.pending);
    if (answer) {
      reply({
        op: 'serialized',
        id: request.id,
        request: request.request,
        screen: answer,
        reused: true,
      });
      return;
    }
    // Not to be answered from its copy and tail: woken, its tail parsed, and serialized below.
    wake(screen);
  }
  // Asleep, its copy is current: only a write or a resize needs the terminal.
  const live = request.op === 'write' || request.op === 'resize' ? wake(screen) : screen.live;
  const terminal = live?.terminal;
  switch (request.op) {
    case 'write': {
      if (!terminal) return;
      changed(screen);
      const bytes = request.data.byteLength;
      return new Promise((resolve) =>
        terminal.write(request.data, () => {
          reply({ op: 'written', id: request.id, bytes });
          collectWhenIdle(collectAfterWritesMs);
          resolve();
        }),
      );
    }
    case 'resize':
      if (!terminal) return;
      changed(screen);
      screen.size = { cols: request.cols, rows: request.rows };
      // What came before is parsed (and was written for the old size); a terminal woken for
      // this parses its copy first, so it is resized once that is done.
      return new Promise((resolve) =>
        terminal.write('', () => {
          terminal.resize(request.cols, request.rows);
          resolve();
        }),
      );
    case 'prepare': {
      if (!terminal) return;
      const at = screen.changes;
      const fresh = screen.serialized?.changes !== at;
      serialized(screen, at);
      // Let the terminal go: the copy is all there is of the screen until the next write.
      const sleeping = request.sleep && screen.live === live;
      if (sleeping) {
        screen.live = undefined;
        terminal.dispose();
      }
      if (fresh || sleeping) return collectAfterThisRequest();
      return;
    }
    case 'serialize': {
      const at = screen.changes;
      const reused = screen.serialized?.changes === at;
      const serializedScreen = serialized(screen, at);
      reply({
        op: 'serialized',
        id: request.id,
        request: request.request,
        screen: serializedScreen,
        reused,
      });
      // The answer is on its way: the garbage of making it can go before anything else.
      if (!reused) collectNow();
      return;
    }
    case 'close':
      screens.delete(request.id);
      terminal?.dispose();
      return terminal ? collectAfterThisRequest() : undefined;
  }
}

/**
 * A headless xterm and its serializer.
 * @param {number} cols
 * @param {number} rows
 * @param {number} scrollback
 * @returns {Live}
 */
function newTerminal(cols, rows, scrollback) {
  const terminal = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  return { terminal, serializer };
}

/**
 * Makes a screen's terminal again from its serialized copy, at the size it had, before what comes
 * next is written into it (xterm parses in order, so nothing needs waiting for).
 * @param {Kept} screen
 */
function wake(screen) {
  if (screen.live) return screen.live;
  wakes++;
  const live = newTerminal(screen.size.cols, screen.size.rows, screen.scrollback);
  live.terminal.write(screen.serialized?.screen.data ?? '');
  for (const data of screen.tail) live.terminal.write(data);
  if (screen.tailBytes > 0) changed(screen);
  screen.tail = [];
  screen.tailBytes = 0;
  screen.live = live;
  return live;
}

/** Counts the screens made again from their copy (`WorkerHeap.wakes`). */
let wakes = 0;

const decoder = new TextDecoder();

/**
 * A sleeping screen as its copy and the output that came after it, which a page parses as the
 * woken terminal would have: the bytes of an incomplete character or escape sequence at the end
 * (`pending`) left out, as a serialization leaves out what its terminal's parser holds, since the
 * page is sent them apart. Undefined when the end is not known to be whole: the screen is then
 * woken and serialized.
 * @param {Kept} screen
 * @param {number | undefined} pending
 * @returns {SerializedScreen | undefined}
 */
function withTail(screen, pending) {
  const copy = screen.serialized?.screen;
  if (!copy || pending === undefined || pending > screen.tailBytes) return undefined;
  const bytes = Buffer.concat(screen.tail, screen.tailBytes).subarray(
    0,
    screen.tailBytes - pending,
  );
  // Whole characters only: `pending` ends where the tail's last whole character ends.
  const text = decoder.decode(bytes);
  /** @type {SerializedScreen} */
  const answer = { data: copy.data + text };
  if (copy.visible !== undefined) answer.visible = copy.visible + text;
  return answer;
}

/** @type {SerializedScreen} What a screen with nothing kept serializes to. */
const nothing = { data: '' };

/** @param {Kept} screen */
function changed(screen) {
  screen.changes++;
  // Out of date: its memory can go now.
  screen.serialized = undefined;
}

/**
 * The screen serialized, once everything received up to change `at` is parsed: the copy kept,
 * if it is of that change, or a new one, kept unless more has been received since.
 */
/**
 * @param {Kept} screen
 * @param {number} at
 * @returns {SerializedScreen}
 */
function serialized(screen, at) {
  if (screen.serialized?.changes === at || !screen.live)
    return screen.serialized?.screen ?? nothing;
  const { serializer, terminal } = screen.live;
  /** @type {SerializedScreen} */
  const made = { data: flat(serializeScreen(terminal, serializer, screen.scrollback)) };
  if (terminal.buffer.normal.baseY >= visibleFirstLines)
    made.visible = flat(serializer.serialize({ scrollback: 0 }));
  if (screen.changes === at) screen.serialized = { changes: at, screen: made };
  return made;
}

/**
 * The same string, stored in one piece. The serializer builds its answer by appending, and V8
 * keeps such a string as a tree of the pieces appended, 32 bytes for each: for a serialization,
 * made of very many short pieces, the tree takes many times the memory of the text itself
 * (docs/performance.md). Reading a character has V8 join the pieces, once, in place: V8 does
 * not promise it, so it is a memory measure (runner/memory.js), left out of a plain runner.
 * @param {string} data
 */
function flat(data) {
  if (lean) data.charCodeAt(0);
  return data;
}
