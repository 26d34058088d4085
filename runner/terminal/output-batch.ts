import { DisposableStore } from '../lifecycle.ts';

/** How output is gathered into batches (values explained in docs/performance.md). */
export const BatchLimits = {
  /**
   * A batch is handed on at once when it reaches this many bytes. The pty hands output over
   * 4 KiB at a time, one read per event-loop turn; a frame and an xterm write per read is what
   * held a flood back.
   */
  maxBytes: 64 << 10,
  /**
   * Output that follows other output within this long is held for up to as long again, to
   * gather a batch. Output after a quiet spell (a keystroke's echo) goes out on the next turn.
   */
  windowMs: 2,
} as const;

/**
 * Gathers a terminal's output into batches. The contract:
 * - every byte pushed is delivered exactly once, in order, through `deliver`;
 * - output after a quiet spell is delivered on the next event-loop turn (an echo is not
 *   delayed); output that follows other output within `windowMs` waits up to `windowMs` more;
 * - a batch of `maxBytes` or more is delivered at once;
 * - `flush()` delivers what waits now, synchronously; the owner calls it before anything that
 *   must follow the output (a message about a cell, a page attaching, the shell ending);
 * - after `dispose()` nothing is delivered; call `flush()` first to keep what waits.
 */
export class OutputBatch {
  #deliver: (data: Buffer) => void;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #cancel: (() => void) | undefined;
  #lastDelivery = Number.NEGATIVE_INFINITY;
  /** What to let go on `dispose()`: the timer of a batch being gathered, and what it holds. */
  #store = new DisposableStore();
  #now: () => number;

  constructor(deliver: (data: Buffer) => void, now: () => number = () => performance.now()) {
    this.#deliver = deliver;
    this.#now = now;
    this.#store.add(() => {
      this.#cancel?.();
      this.#cancel = undefined;
      this.#chunks = [];
      this.#bytes = 0;
    });
  }

  /** Bytes waiting to be delivered. */
  get pending(): number {
    return this.#bytes;
  }

  push(data: Buffer): void {
    if (this.#store.disposed || data.length === 0) return;
    this.#chunks.push(data);
    this.#bytes += data.length;
    if (this.#bytes >= BatchLimits.maxBytes) {
      this.flush();
      return;
    }
    if (this.#cancel) return;
    if (this.#now() - this.#lastDelivery < BatchLimits.windowMs) {
      const timer = setTimeout(() => this.flush(), BatchLimits.windowMs);
      this.#cancel = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.flush());
      this.#cancel = () => clearImmediate(immediate);
    }
  }

  /** Delivers what waits, as one chunk. */
  flush(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    if (this.#bytes === 0 || this.#store.disposed) return;
    const data = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#bytes = 0;
    this.#lastDelivery = this.#now();
    if (data) this.#deliver(data);
  }

  /** Drops what waits and delivers nothing more; safe to call twice. */
  dispose(): void {
    this.#store.dispose();
  }
}
