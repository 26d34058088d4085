import type { ServerMessage } from '../../src/lib/protocol.ts';
import { keepLinesFor, lastNotPlainIn, skippableRange } from '../screen/backlog.ts';
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

/** Bytes, or a message, waiting for the page in the order they came. */
type Waiting = { bytes: Buffer[]; size: number } | { message: ServerMessage };

/** Bytes sent in one frame when what waited is sent. */
const frameBytes = 64 << 10;
/** The smallest backlog worth searching for lines to skip, unless a test says otherwise. */
const minCompactBytes = 256 << 10;

/**
 * Output on its way to one page, with the page's acknowledgements (flow-control.ts).
 *
 * While the page keeps up, output is sent as it comes. When the page's window is full, output
 * waits here rather than the pty being paused, and plain lines that the output after them pushes
 * out of the page's scrollback anyway are skipped: runner/screen/backlog.ts says which, and why the
 * page's screen and scrollback end the same as if it had drawn every line. A flood then reaches its
 * end at the speed the runner reads it, not at the speed the page draws every line of it, and the
 * page draws the lines a learner can scroll back to.
 *
 * - A message (a cell's start or end) waits behind the output that came before it.
 * - The pty is held once more than `FlowLimits.backlogBytes` wait after skipping, and released
 *   below half of that: this bounds the runner's memory for a page that is behind, and what a key
 *   (Ctrl-C) waits behind when nothing could be skipped (colour on every line, very long lines).
 * - `flush()` sends everything that waits, window or not (the shell has ended); `reset()` drops it
 *   (the page left: the kept screen has every byte for the next one).
 */
export class PageStream {
  /** Bytes skipped since this stream began (for the tests and the bench). */
  skipped = 0;
  /** Plain lines that must follow a skipped range: the page's scrollback and twice its rows. */
  keepLines: number;
  #sink: PageSink;
  #pty: PtyHold;
  #flow: FlowControl;
  #sending = true;
  #holding = false;
  #queue: Waiting[] = [];
  /** Bytes waiting, in all. */
  #waiting = 0;
  /** The open run of bytes at the end of the queue: where output is added and lines skipped. */
  #tail: { bytes: Buffer[]; size: number } | undefined;
  /** How far into the tail the search for bytes that are not plain has gone, and what it found. */
  #searched = 0;
  #barrier = -1;
  /**
   * Bytes added to the tail since it was last compacted: it is compacted again once they are at
   * least as many as what is left of the last compaction (and `#minCompact`), so that a flood is
   * compacted a number of times that grows with its logarithm, not its length.
   */
  #fresh = 0;
  #minCompact: number;

  constructor(sink: PageSink, pty: PtyHold, keepLines: number, compactBytes = minCompactBytes) {
    this.#sink = sink;
    this.#pty = pty;
    this.keepLines = keepLines;
    this.#minCompact = compactBytes;
    this.#flow = new FlowControl(
      () => {
        this.#sending = false;
      },
      () => {
        this.#sending = true;
        this.#drain();
      },
    );
  }

  /** Bytes waiting for the page's window. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Bytes sent and not yet acknowledged by the page. */
  get unacknowledged(): number {
    return this.#flow.unacknowledged;
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    if (this.#sending && this.#queue.length === 0) {
      this.#sendBytes(data);
      return;
    }
    if (!this.#tail) {
      this.#tail = { bytes: [], size: 0 };
      this.#queue.push(this.#tail);
      this.#searched = 0;
      this.#barrier = -1;
      this.#fresh = 0;
    }
    this.#tail.bytes.push(data);
    this.#tail.size += data.length;
    this.#fresh += data.length;
    this.#waiting += data.length;
    const compacted = this.#tail.size - this.#fresh;
    if (
      this.#fresh >= Math.max(this.#minCompact, compacted) ||
      this.#waiting > FlowLimits.backlogBytes
    )
      this.#compact();
    if (!this.#holding && this.#waiting > FlowLimits.backlogBytes) {
      this.#holding = true;
      this.#pty.hold();
    }
  }

  /** A message for the page, sent after the output before it. */
  message(message: ServerMessage): void {
    if (this.#queue.length === 0) {
      this.#sink.sendMessage(message);
      return;
    }
    this.#tail = undefined;
    this.#queue.push({ message });
  }

  /** A key from the page: the flow's small window holds from now (flow-control.ts). */
  typed(): void {
    this.#flow.typed();
  }

  acknowledged(bytes: number): void {
    this.#flow.acknowledged(bytes);
  }

  /** Sends everything that waits, whatever the window. */
  flush(): void {
    this.#sending = true;
    this.#drain();
  }

  /** Drops everything that waits and releases the pty: the page is gone. */
  reset(): void {
    this.#queue = [];
    this.#tail = undefined;
    this.#waiting = 0;
    this.#flow.reset();
    this.#release();
  }

  #sendBytes(data: Buffer): void {
    this.#sink.sendBytes(data);
    this.#flow.sent(data.length);
  }

  /** Sends what waits, in order, while the window has room. */
  #drain(): void {
    while (this.#sending && this.#queue.length > 0) {
      const first = this.#queue[0]!;
      if ('message' in first) {
        this.#queue.shift();
        this.#sink.sendMessage(first.message);
        continue;
      }
      // What was added since the last compaction is compacted before any of it is sent: the end of
      // a flood, which no later output made the tail large enough to compact, above all.
      if (first === this.#tail && this.#fresh > 0) this.#compact();
      const chunk = first.bytes[0]!;
      const piece = chunk.length > frameBytes ? chunk.subarray(0, frameBytes) : chunk;
      if (piece === chunk) first.bytes.shift();
      else first.bytes[0] = chunk.subarray(frameBytes);
      first.size -= piece.length;
      this.#waiting -= piece.length;
      if (first === this.#tail) {
        // The tail's offsets count from its start, which has moved.
        this.#searched = Math.max(0, this.#searched - piece.length);
        this.#barrier = this.#barrier >= piece.length ? this.#barrier - piece.length : -1;
      }
      if (first.size === 0) {
        this.#queue.shift();
        if (first === this.#tail) this.#tail = undefined;
      }
      this.#sendBytes(piece);
    }
    if (this.#waiting <= FlowLimits.backlogBytes / 2) this.#release();
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#pty.release();
  }

  /**
   * Skips what the tail allows. The search for bytes that are not plain goes on from where the last
   * one stopped, so that a flood is searched once, not once per compaction.
   */
  #compact(): void {
    const tail = this.#tail;
    if (!tail) return;
    const data = tail.bytes.length === 1 ? tail.bytes[0]! : Buffer.concat(tail.bytes);
    tail.bytes = [data];
    const range = skippableRange(data, this.keepLines, (to) => {
      if (to > this.#searched) {
        const found = lastNotPlainIn(data, Math.max(0, this.#searched - 1), to);
        if (found >= 0) this.#barrier = found;
        this.#searched = to;
      }
      return this.#barrier;
    });
    if (range) {
      const skipped = range.end - range.start;
      tail.bytes = [data.subarray(0, range.start), data.subarray(range.end)].filter(
        (part) => part.length > 0,
      );
      tail.size -= skipped;
      this.#waiting -= skipped;
      this.skipped += skipped;
      this.#searched -= skipped;
      // A range found before the last byte that is not plain (see skippableRange) moves it.
      if (this.#barrier >= range.end) this.#barrier -= skipped;
    }
    this.#fresh = 0;
  }
}

/** The lines a page must be sent after anything skipped, for a page of `rows` rows. */
export function pageKeepLines(rows: number): number {
  return keepLinesFor(FlowLimits.scrollback, rows);
}
