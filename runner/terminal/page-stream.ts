import type { ServerMessage } from '../../src/lib/wire/protocol.ts';
import { log as runnerLog, type Logger } from '../log.ts';
import { keepLinesFor, SkipEngine, type ScanState } from '../screen/backlog.ts';
import { FlowControl, FlowLimits } from './flow-control.ts';

/** Where a page stream sends: the page's end of the WebSocket. */
export interface PageSink {
  sendBytes(data: Uint8Array): void;
  sendMessage(message: ServerMessage): void;
}

/** What the stream does to the pty when too much waits for the page. */
export interface PtyHold {
  hold(): void;
  release(): void;
}

/** Bytes sent in one frame when what waited is sent. */
const frameBytes = 64 << 10;
/** The smallest backlog worth searching for lines to skip, unless a test says otherwise. */
const minCompactBytes = 256 << 10;

export interface PageStreamOptions {
  /**
   * What the kept screen's engine knew when the page attached (its scroll regions, and the bytes
   * of an unfinished escape or character, which are sent first: the restored screen lacks them).
   */
  from?: ScanState;
  /** The smallest backlog searched for lines to skip (tests make it small). */
  compactBytes?: number;
  /** Where the stream says, at trace, when it stops and resumes sending and what it skips. */
  log?: Logger;
}

/**
 * Output on its way to one page, with the page's acknowledgements (flow-control.ts).
 *
 * While the page keeps up, output is sent as it comes. When the page's window is full, output
 * waits here rather than the pty being paused, and plain lines that the output after them pushes
 * out of the page's scrollback anyway are skipped: the skip engine (runner/screen/backlog.ts, the
 * kept screen's too) says which, and why the page's screen and scrollback end the same as if it
 * had drawn every line. A flood then reaches its end at the speed the runner reads it, not at the
 * speed the page draws every line of it, and the page draws the lines a learner can scroll back to.
 *
 * - Every byte goes through the engine, sent or not, so that it knows the terminal's scroll
 *   regions; a stream starts from what the kept screen's engine knew when the page attached.
 * - A message (a cell's start or end) waits behind the output that came before it.
 * - The pty is held once more than `FlowLimits.backlogBytes` wait after skipping, and released
 *   below half of that: this bounds the runner's memory for a page that is behind, and what a key
 *   (Ctrl-C) waits behind when nothing could be skipped (colour on every line, very long lines).
 * - `flush()` sends everything that waits, window or not (the shell has ended); `reset()` drops it
 *   (the page left: the kept screen has every byte for the next one).
 * - At `--log trace`, each stop and resumption of sending, each hold and release of the pty, and
 *   each skip is a line of the runner's log: why a terminal paused is seen in the field.
 */
export class PageStream {
  #sink: PageSink;
  #pty: PtyHold;
  #flow = new FlowControl();
  #engine: SkipEngine<ServerMessage>;
  #holding = false;
  /**
   * Bytes added since the engine last compacted: it compacts again once they are at least as many
   * as what is left of the last compaction (and `#minCompact`), so that a flood is compacted a
   * number of times that grows with its logarithm, not its length.
   */
  #fresh = 0;
  #minCompact: number;
  #log: Logger;

  constructor(
    sink: PageSink,
    pty: PtyHold,
    size: { scrollback: number; rows: number },
    { from, compactBytes = minCompactBytes, log = runnerLog }: PageStreamOptions = {},
  ) {
    this.#sink = sink;
    this.#pty = pty;
    this.#engine = new SkipEngine(size, from);
    this.#minCompact = compactBytes;
    this.#log = log;
    if (from?.pending?.length) this.#sendBytes(Buffer.from(from.pending));
  }

  /** Bytes skipped since this stream began (for the tests and the bench). */
  get skipped(): number {
    return this.#engine.skipped;
  }

  /** Plain lines that must follow a skipped range: the page's scrollback and twice its rows. */
  get keepLines(): number {
    return this.#engine.keepLines;
  }

  /** Bytes waiting for the page's window. */
  get waiting(): number {
    return this.#engine.bytes;
  }

  /** Bytes sent and not yet acknowledged by the page. */
  get unacknowledged(): number {
    return this.#flow.unacknowledged;
  }

  /** The page's terminal was resized. */
  resize(rows: number): void {
    this.#engine.resize(rows);
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    if (this.#flow.open && this.#engine.empty) {
      this.#engine.pass(data);
      this.#sendBytes(data);
      return;
    }
    this.#engine.push(data);
    this.#fresh += data.length;
    const compacted = this.#engine.bytes - this.#fresh;
    if (
      this.#fresh >= Math.max(this.#minCompact, compacted) ||
      this.#engine.bytes > FlowLimits.backlogBytes
    )
      this.#compact();
    if (!this.#holding && this.#engine.bytes > FlowLimits.backlogBytes) {
      this.#holding = true;
      this.#log.trace('page stream holds the pty: too much waits for the page', {
        waiting: this.#engine.bytes,
      });
      this.#pty.hold();
    }
  }

  /** A message for the page, sent after the output before it. */
  message(message: ServerMessage): void {
    if (this.#engine.empty) this.#sink.sendMessage(message);
    else this.#engine.mark(message);
  }

  /** A key from the page: the flow's small window holds from now (flow-control.ts). */
  typed(): void {
    const open = this.#flow.open;
    if (!this.#flow.typed() && open) this.#stopped('a key shrank the window');
  }

  acknowledged(bytes: number): void {
    if (!this.#flow.acknowledged(bytes)) return;
    this.#log.trace('page stream resumes: the page caught up', {
      unacknowledged: this.#flow.unacknowledged,
      waiting: this.#engine.bytes,
    });
    this.#drain();
  }

  /** Sends everything that waits, whatever the window. */
  flush(): void {
    this.#drain(true);
  }

  /** Drops everything that waits and releases the pty: the page is gone. */
  reset(): void {
    this.#engine.clear();
    this.#fresh = 0;
    this.#flow.reset();
    this.#release();
  }

  #sendBytes(data: Buffer): boolean {
    this.#sink.sendBytes(data);
    const open = this.#flow.open;
    const more = this.#flow.sent(data.length);
    if (open && !more) this.#stopped("the page's window is full");
    return more;
  }

  #stopped(why: string): void {
    this.#log.trace(`page stream pauses: ${why}`, {
      unacknowledged: this.#flow.unacknowledged,
      window: this.#flow.window,
    });
  }

  #compact(): void {
    const skipped = this.#engine.compact();
    this.#fresh = 0;
    if (skipped > 0 && this.#log.enabled('trace'))
      this.#log.trace('page stream skips lines the page would lose', {
        skipped,
        waiting: this.#engine.bytes,
      });
  }

  /** Sends what waits, in order, while the window has room (or all of it, `whatever`). */
  #drain(whatever = false): void {
    // What was added since the last compaction is compacted before any of it is sent: the end of
    // a flood, which no later output made the backlog large enough to compact, above all.
    if (this.#fresh > 0) this.#compact();
    let open = this.#flow.open;
    while (open || whatever) {
      const next = this.#engine.next(frameBytes);
      if (!next) break;
      if ('mark' in next) this.#sink.sendMessage(next.mark);
      else open = this.#sendBytes(next.bytes);
    }
    if (this.#engine.bytes <= FlowLimits.backlogBytes / 2) this.#release();
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#log.trace('page stream releases the pty', { waiting: this.#engine.bytes });
    this.#pty.release();
  }
}

/** The lines a page must be sent after anything skipped, for a page of `rows` rows. */
export function pageKeepLines(rows: number): number {
  return keepLinesFor(FlowLimits.scrollback, rows);
}
