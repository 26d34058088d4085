import { FlowLimits } from '../../src/lib/flow-limits.ts';

export { FlowLimits };

/**
 * Stops a sender (page-stream.ts) above the high watermark of unacknowledged bytes and lets it go
 * on below the low one (see FlowLimits). The high watermark is the large streaming one until a key
 * arrives, and the small one for `FlowLimits.typingMs` after each key: a key pressed in a flood
 * stops sending at once if more than the small window is in flight, so that its answer (Ctrl-C's
 * prompt) waits behind no more than what the page already has and what waits in the runner.
 */
export class FlowControl {
  #unacked = 0;
  #paused = false;
  #pause: () => void;
  #resume: () => void;
  #now: () => number;
  #typedAt = -Infinity;

  constructor(pause: () => void, resume: () => void, now: () => number = () => performance.now()) {
    this.#pause = pause;
    this.#resume = resume;
    this.#now = now;
  }

  get unacknowledged(): number {
    return this.#unacked;
  }

  /** The high watermark now: small while the learner types, large while output only streams. */
  get window(): number {
    return this.#now() - this.#typedAt < FlowLimits.typingMs
      ? FlowLimits.highWatermark
      : FlowLimits.streamingHighWatermark;
  }

  sent(bytes: number): void {
    this.#unacked += bytes;
    this.#pauseAbove(this.window);
  }

  /** A key from the page: the small window holds from now. */
  typed(): void {
    this.#typedAt = this.#now();
    this.#pauseAbove(FlowLimits.highWatermark);
  }

  acknowledged(bytes: number): void {
    this.#unacked = Math.max(0, this.#unacked - bytes);
    if (this.#paused && this.#unacked < FlowLimits.lowWatermark) {
      this.#paused = false;
      this.#resume();
    }
  }

  /** No page is attached: nobody will acknowledge, so let the pty run (the headless screen keeps up). */
  reset(): void {
    this.#unacked = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#resume();
    }
  }

  #pauseAbove(limit: number): void {
    if (!this.#paused && this.#unacked > limit) {
      this.#paused = true;
      this.#pause();
    }
  }
}
