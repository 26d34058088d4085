import { Worker } from 'node:worker_threads';
import { log as runnerLog, type Logger } from '../log.ts';
import { lean } from '../memory.js';
import { SkipEngine, type ScanState } from './backlog.ts';

/**
 * What a terminal session keeps of its screen, so that a reload restores it exactly: a headless
 * xterm. Parsing a flood costs more than everything else the runner does with it
 * (docs/performance.md), so the screens live in a worker thread (runner/screen/worker.js), one
 * for all sessions, and output is parsed late: once it has been quiet for half a second, when
 * the screen is needed, or when too much is waiting. What waits meanwhile is compacted: plain
 * text that later output scrolls out of reach is never parsed (runner/screen/backlog.ts). Once
 * parsed in a quiet spell, the screen is serialized too, and that copy kept until the next
 * output: restoring it is then only sending it.
 */

export const ScreenLimits = {
  /**
   * Output is handed to the worker once none has come for this long, and the screen serialized
   * then: ahead of need, in idle time, so that a reload finds it ready. Shorter, it would parse
   * between the pauses of a page's flow control, on cores that the browser is using.
   */
  quietMs: 500,
  /** A backlog this large is compacted; if half of it is left, it goes to the worker anyway. */
  compactBytes: 4 << 20,
  /** With this much handed to the worker and not yet parsed, the pty is held... */
  pauseBytes: 1 << 20,
  /** ...until no more than this is left. */
  resumeBytes: 256 << 10,
  /**
   * MiB of the worker's young generation. Serializing a full scrollback makes many short-lived
   * strings; with V8's default young generation much of it is promoted, and the heap the worker
   * keeps afterwards grows at each serialization of a full screen. With a small young generation,
   * and a full collection after each serialization (worker.js), it stays level, serializing as
   * fast (docs/performance.md, "The worker gives its memory back").
   */
  workerYoungMb: 4,
  /** After a serialization, or once writes have stopped for this long, the worker collects. */
  collectAfterWritesMs: 1000,
  /**
   * Workers started in a row that ended before answering anything: then the host stops starting
   * them until its screens have all closed (a worker that cannot even load would otherwise be
   * started again at once, for ever).
   */
  workerStarts: 3,
  /**
   * A screen with at least this many lines of scrollback is also serialized without it, and the
   * page shows that first (`SerializedScreen.visible`). A page builds a line of its terminal for
   * every line of scrollback it is sent, long enough in a page just loaded for a learner to wait
   * on a full scrollback (docs/performance.md, "The visible rows first"); for fewer lines than
   * this, the difference is not worth a second step.
   */
  visibleFirstLines: 1000,
  /**
   * A screen whose output has gone quiet, once serialized, lets its headless xterm go and keeps
   * only the serialized copy, from which the worker makes it again at the next output or resize:
   * xterm keeps each line of a buffer as an object with an array of cells, many times the size of
   * the line's escape sequences in a serialization (docs/performance.md). A restore from that copy is
   * what a page does on every reload, and the differential tests hold it to the reference.
   */
  sleep: true,
  /**
   * Output to a sleeping screen is kept as it came, after the copy, up to this many bytes: a
   * reload then gets the copy and those bytes, which the page parses as the woken terminal would
   * have, and the worker need not make the terminal again (parse its whole scrollback) for a line
   * of output. Past it, or at a resize, the worker makes the terminal again and parses them.
   */
  tailBytes: 64 << 10,
} as const;

/** A screen as escape sequences, for a page's terminal to replay. */
export interface SerializedScreen {
  /** The screen with its scrollback. */
  data: string;
  /**
   * The visible screen alone (no scrollback), when the scrollback is long
   * (`ScreenLimits.visibleFirstLines`): a page can show it before it replays `data`.
   */
  visible?: string;
}

/** What is sent for a screen that has nothing to restore (its worker could not keep it). */
const nothing: SerializedScreen = { data: '' };

export type ScreenRequest =
  | {
      op: 'open';
      id: number;
      cols: number;
      rows: number;
      scrollback: number;
    }
  | { op: 'write'; id: number; data: Uint8Array }
  | { op: 'resize'; id: number; cols: number; rows: number }
  /**
   * Serialize now and keep it, for a serialize asked for later with nothing written since.
   * `sleep`: then let the terminal go and keep only that copy, until the next write or resize
   * (the output stopped between two characters: no parser holds anything).
   */
  | { op: 'prepare'; id: number; sleep: boolean }
  /**
   * `pending`: how many of the last bytes written are an incomplete character or escape sequence,
   * which the page is sent apart, after the screen (runner/terminal/page-stream.ts), or undefined
   * when the host does not know them (backlog.ts).
   */
  | { op: 'serialize'; id: number; request: number; pending: number | undefined }
  | { op: 'close'; id: number }
  /**
   * The worker's heap as V8 counts it, for the tests and the bench, once what every screen was
   * sent before is done; `collect`: after a full collection.
   */
  | { op: 'heap'; request: number; collect: boolean };

export type ScreenReply =
  | { op: 'written'; id: number; bytes: number }
  /** `reused`: the copy kept from an earlier serialization, nothing having changed since. */
  | {
      op: 'serialized';
      id: number;
      request: number;
      screen: SerializedScreen;
      reused: boolean;
    }
  | { op: 'heap'; request: number; heap: WorkerHeap };

/** Bytes of the worker's heap: what V8 holds from the system, and what live objects use of it. */
export interface WorkerHeap {
  total: number;
  used: number;
  /** Whether the worker can ask V8 for a full collection (it gives memory back after a flood). */
  collects: boolean;
  /** Screens kept only as their serialized copy (`ScreenLimits.sleep`). */
  asleep: number;
  /**
   * Times a sleeping screen's terminal was made again from its copy: output past the tail, a
   * resize, or a serialize that its copy and tail could not answer (`ScreenLimits.tailBytes`).
   */
  wakes: number;
  /** Bytes outside the heap that its objects hold: xterm's buffer lines, above all. */
  external: number;
}

interface ScreenState {
  cols: number;
  rows: number;
  scrollback: number;
  /** Bytes handed to the worker and not yet parsed there. */
  unparsed: number;
  /** Called when the worker has parsed some of what it was handed. */
  onParsed: () => void;
  /** The worker was lost since the screen opened: its earlier output is gone. */
  lost: boolean;
  serializing: Map<number, (screen: SerializedScreen) => void>;
}

/**
 * The worker's script: JavaScript, so that the worker does not load Node's type stripper too
 * (runner/screen/worker.js says what that cost).
 */
export const workerScript = new URL('./worker.js', import.meta.url);

/** The worker thread and the screens it keeps. */
export class ScreenHost {
  #worker: Worker | undefined;
  #screens = new Map<number, ScreenState>();
  #nextId = 1;
  #nextRequest = 1;
  #heapRequests = new Map<number, (heap: WorkerHeap | undefined) => void>();
  readonly #script: URL;
  /** Serializations answered, and how many of them from a copy kept in the worker. */
  readonly serializations = { answered: 0, reused: 0 };
  #starts = 0;
  /** Workers started in a row that ended before answering anything. */
  #failedStarts = 0;
  /** No worker is started any more, until every screen has closed (`ScreenLimits.workerStarts`). */
  #broken = false;

  constructor(script = workerScript) {
    this.#script = script;
  }

  /** How many screens are open (the worker runs while there is at least one). */
  get size(): number {
    return this.#screens.size;
  }

  /** Workers started so far (for the tests). */
  get starts(): number {
    return this.#starts;
  }

  /** Whether the worker thread is running. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  open(size: { cols: number; rows: number; scrollback: number }, onParsed: () => void): number {
    const id = this.#nextId++;
    // With no worker to keep it, a screen is lost from the start.
    const lost = this.#broken;
    this.#screens.set(id, { ...size, unparsed: 0, onParsed, lost, serializing: new Map() });
    this.#post({ op: 'open', id, ...size });
    return id;
  }

  /** Whether the screen started again empty after its worker was lost. */
  lost(id: number): boolean {
    return this.#screens.get(id)?.lost ?? false;
  }

  /** Bytes handed to the worker for this screen and not yet parsed there. */
  unparsed(id: number): number {
    return this.#screens.get(id)?.unparsed ?? 0;
  }

  write(id: number, data: Uint8Array): void {
    const state = this.#screens.get(id);
    if (!state || data.byteLength === 0 || this.#broken) return;
    state.unparsed += data.byteLength;
    // A copy of its own, moved to the worker rather than cloned: the original may still be
    // queued on the page's socket, and may be a slice of a larger pooled buffer.
    const copy = new Uint8Array(data);
    this.#post({ op: 'write', id, data: copy }, [copy.buffer]);
  }

  resize(id: number, cols: number, rows: number): void {
    const state = this.#screens.get(id);
    if (!state) return;
    state.cols = cols;
    state.rows = rows;
    this.#post({ op: 'resize', id, cols, rows });
  }

  /**
   * Has the worker serialize the screen ahead of need, once everything written is parsed, and,
   * with `sleep`, keep only that copy until the next write or resize (see `ScreenLimits.sleep`).
   */
  prepare(id: number, sleep = false): void {
    if (this.#screens.has(id)) this.#post({ op: 'prepare', id, sleep });
  }

  /** The screen and its scrollback as escape sequences, once everything written is parsed. */
  serialize(id: number, pending?: number): Promise<SerializedScreen> {
    const state = this.#screens.get(id);
    if (!state || this.#broken) return Promise.resolve(nothing);
    const request = this.#nextRequest++;
    return new Promise((resolve) => {
      state.serializing.set(request, resolve);
      this.#post({ op: 'serialize', id, request, pending });
    });
  }

  close(id: number): void {
    const state = this.#screens.get(id);
    if (!state) return;
    this.#screens.delete(id);
    for (const resolve of state.serializing.values()) resolve(nothing);
    if (this.#screens.size > 0) {
      this.#post({ op: 'close', id });
      return;
    }
    // No screen left: the worker and its memory go until the next terminal opens, which also
    // tries again a worker that could not start.
    const worker = this.#worker;
    this.#worker = undefined;
    this.#broken = false;
    this.#failedStarts = 0;
    this.#forgetHeapRequests();
    void worker?.terminate();
  }

  #forgetHeapRequests(): void {
    for (const resolve of this.#heapRequests.values()) resolve(undefined);
    this.#heapRequests.clear();
  }

  /**
   * The worker's heap once what was sent to it before is done, or undefined when no worker runs.
   * `collect`: measured after a full collection, so that only what is live counts.
   */
  heap(options: { collect?: boolean } = {}): Promise<WorkerHeap | undefined> {
    if (!this.#worker) return Promise.resolve(undefined);
    const request = this.#nextRequest++;
    return new Promise((resolve) => {
      this.#heapRequests.set(request, resolve);
      this.#post({ op: 'heap', request, collect: options.collect ?? false });
    });
  }

  /** Ends the worker as a crash would (for tests): its screens start again, empty. */
  async crashForTest(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await worker.terminate();
    await exited;
  }

  #post(message: ScreenRequest, transfer: ArrayBuffer[] = []): void {
    if (this.#broken) return;
    this.#worker ??= this.#start();
    this.#worker.postMessage(message, transfer);
  }

  #start(): Worker {
    this.#starts++;
    const worker = new Worker(this.#script, {
      // A memory measure (runner/memory.js): a plain runner's worker has V8's default.
      ...(lean ? { resourceLimits: { maxYoungGenerationSizeMb: ScreenLimits.workerYoungMb } } : {}),
      workerData: {
        collectAfterWritesMs: ScreenLimits.collectAfterWritesMs,
        visibleFirstLines: ScreenLimits.visibleFirstLines,
        tailBytes: ScreenLimits.tailBytes,
      },
    });
    // The runner's server keeps the process alive; the worker alone must not.
    worker.unref();
    worker.on('message', (reply: ScreenReply) => this.#reply(reply));
    worker.on('error', (error: Error) => this.#lost(worker, error.message));
    worker.on('exit', (code) => this.#lost(worker, `it exited with code ${code}`));
    return worker;
  }

  #reply(reply: ScreenReply): void {
    this.#failedStarts = 0;
    if (reply.op === 'heap') {
      this.#heapRequests.get(reply.request)?.(reply.heap);
      this.#heapRequests.delete(reply.request);
      return;
    }
    const state = this.#screens.get(reply.id);
    if (!state) return;
    if (reply.op === 'written') {
      state.unparsed -= reply.bytes;
      state.onParsed();
      return;
    }
    this.serializations.answered++;
    if (reply.reused) this.serializations.reused++;
    const resolve = state.serializing.get(reply.request);
    state.serializing.delete(reply.request);
    resolve?.(reply.screen);
  }

  /**
   * The worker ended while screens were open. Nothing may wait for it: output it had not parsed
   * counts as parsed (so no pty stays paused), each screen opens again in a new worker at its
   * size, marked as lost (the page says so above its restore), and serializations asked for are
   * asked again. A worker that keeps ending before it answers anything is not started again
   * (`ScreenLimits.workerStarts`): the terminals run on, and a reload shows no earlier output.
   */
  #lost(worker: Worker, why: string): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#forgetHeapRequests();
    this.#failedStarts++;
    if (this.#failedStarts >= ScreenLimits.workerStarts) {
      this.#broken = true;
      runnerLog.error(
        `runner: the terminal screens' worker could not start (${why}), ${this.#failedStarts} ` +
          'times in a row. The terminals work, but a reload will not show their earlier output ' +
          'until every terminal has closed and the worker is tried again.',
      );
    } else runnerLog.error(`runner: the terminal screens' worker failed: ${why}`);
    for (const [id, state] of this.#screens) {
      const unparsed = state.unparsed;
      state.unparsed = 0;
      if (unparsed > 0) state.onParsed();
      state.lost = true;
      if (this.#broken) {
        for (const resolve of state.serializing.values()) resolve(nothing);
        state.serializing.clear();
        continue;
      }
      const { cols, rows, scrollback } = state;
      this.#post({ op: 'open', id, cols, rows, scrollback });
      // A new worker has nothing of the screen's output: nothing pending either.
      for (const request of state.serializing.keys())
        this.#post({ op: 'serialize', id, request, pending: 0 });
    }
  }
}

/** The one host the runner's sessions share. */
export const screens = new ScreenHost();

/** One terminal's screen, kept in the shared worker, and the output still waiting for it. */
export class Screen {
  cols: number;
  rows: number;
  readonly #id: number;
  readonly #host: ScreenHost;
  readonly #backlog: SkipEngine;
  readonly #flow: { pause(): void; resume(): void };
  readonly #log: Logger;
  #paused = false;
  #lastWrite = 0;
  #timer: NodeJS.Timeout | undefined;

  /**
   * `flow.pause` is called when the worker has too much to parse and the pty must wait;
   * `flow.resume` when it has caught up. `log` says at trace what compaction skipped.
   */
  constructor(
    size: { cols: number; rows: number; scrollback: number },
    flow: { pause(): void; resume(): void },
    host: ScreenHost = screens,
    log: Logger = runnerLog,
  ) {
    this.cols = size.cols;
    this.rows = size.rows;
    this.#host = host;
    this.#flow = flow;
    this.#log = log;
    this.#backlog = new SkipEngine(size);
    this.#id = host.open(size, () => this.#parsed());
  }

  /** Whether the worker was lost since this screen opened, and its earlier output with it. */
  get lost(): boolean {
    return this.#host.lost(this.#id);
  }

  /** Bytes skipped by compaction so far (runner/screen/backlog.ts). */
  get skipped(): number {
    return this.#backlog.skipped;
  }

  /**
   * What the skip engine knows of the terminal after all output so far, bytes of an unfinished
   * escape or character included: for a page stream that starts here.
   */
  scanState(): ScanState {
    return this.#backlog.state();
  }

  write(data: Buffer): void {
    this.#backlog.push(data);
    this.#lastWrite = performance.now();
    if (this.#backlog.bytes >= ScreenLimits.compactBytes) {
      this.#compact();
      if (this.#backlog.bytes >= ScreenLimits.compactBytes / 2) this.#feed();
    }
    if (!this.#timer) this.#wait(ScreenLimits.quietMs);
  }

  resize(cols: number, rows: number): void {
    // A page attaching gives its size, most often the same: the screen kept serialized stays.
    if (cols === this.cols && rows === this.rows) return;
    // What came before was written for the old size: it goes first.
    this.#feed();
    this.cols = cols;
    this.rows = rows;
    this.#backlog.resize(rows);
    this.#host.resize(this.#id, cols, rows);
  }

  /** The screen and its scrollback as escape sequences, with all output so far parsed. */
  serialize(): Promise<SerializedScreen> {
    this.#feed();
    return this.#host.serialize(this.#id, this.#backlog.state().pending?.length);
  }

  /**
   * Serializes the screen ahead of need, in the worker, so that a `serialize` with no output in
   * between is answered at once: when the output goes quiet, and when a page leaves.
   */
  prepare(): void {
    this.#feed();
    // A terminal's parser that holds part of an escape or a character cannot be let go: a screen
    // made again from the copy would not have it.
    const { pending } = this.#backlog.state();
    this.#host.prepare(this.#id, ScreenLimits.sleep && pending?.length === 0);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#host.close(this.#id);
  }

  #wait(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const quietFor = performance.now() - this.#lastWrite;
      if (quietFor < ScreenLimits.quietMs) this.#wait(ScreenLimits.quietMs - quietFor);
      else this.prepare();
    }, ms);
    this.#timer.unref();
  }

  /** Hands what is waiting to the worker, less what need not be parsed. */
  #feed(): void {
    if (this.#backlog.bytes === 0) return;
    this.#compact();
    this.#host.write(this.#id, this.#backlog.take());
    if (!this.#paused && this.#host.unparsed(this.#id) > ScreenLimits.pauseBytes) {
      this.#paused = true;
      this.#flow.pause();
    }
  }

  #compact(): void {
    const skipped = this.#backlog.compact();
    if (skipped > 0 && this.#log.enabled('trace'))
      this.#log.trace('kept screen skips lines out of reach', {
        skipped,
        waiting: this.#backlog.bytes,
      });
  }

  #parsed(): void {
    if (this.#paused && this.#host.unparsed(this.#id) <= ScreenLimits.resumeBytes) {
      this.#paused = false;
      this.#flow.resume();
    }
  }
}
