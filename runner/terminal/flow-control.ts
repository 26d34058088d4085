import { FlowLimits } from '../../src/lib/wire/flow-limits.ts';

export { FlowLimits };

/**
 * The window of unacknowledged bytes a sender (page-stream.ts) may have in flight: it stops above
 * the high watermark and may go on below the low one (see FlowLimits). The high watermark is the
 * large streaming one until a key arrives, and the small one for `FlowLimits.typingMs` after each
 * key: a key pressed in a flood stops sending at once if more than the small window is in flight,
 * so that its answer (Ctrl-C's prompt) waits behind no more than what the page already has and
 * what waits in the runner. Each event returns the decision, whether the sender may send; nothing
 * is called back.
 */
export class FlowControl {
  #unacked = 0;
  #stopped = false;
  #now: () => number;
  #typedAt = -Infinity;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  get unacknowledged(): number {
    return this.#unacked;
  }

  /** Whether the sender may send now. */
  get open(): boolean {
    return !this.#stopped;
  }

  /** The high watermark now: small while the learner types, large while output only streams. */
  get window(): number {
    return this.#now() - this.#typedAt < FlowLimits.typingMs
      ? FlowLimits.highWatermark
      : FlowLimits.streamingHighWatermark;
  }

  /** Bytes sent; returns whether more may be sent. */
  sent(bytes: number): boolean {
    this.#unacked += bytes;
    return this.#stopAbove(this.window);
  }

  /** A key from the page: the small window holds from now. Returns whether more may be sent. */
  typed(): boolean {
    this.#typedAt = this.#now();
    return this.#stopAbove(FlowLimits.highWatermark);
  }

  /** Bytes the page has drawn; returns whether the sender may send again (having been stopped). */
  acknowledged(bytes: number): boolean {
    this.#unacked = Math.max(0, this.#unacked - bytes);
    if (this.#stopped && this.#unacked < FlowLimits.lowWatermark) {
      this.#stopped = false;
      return true;
    }
    return false;
  }

  /** No page is attached: nobody will acknowledge; the window starts again empty and open. */
  reset(): void {
    this.#unacked = 0;
    this.#stopped = false;
  }

  #stopAbove(limit: number): boolean {
    if (!this.#stopped && this.#unacked > limit) this.#stopped = true;
    return !this.#stopped;
  }
}
