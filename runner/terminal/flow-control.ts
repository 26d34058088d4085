import { FlowLimits } from '../../src/lib/flow-limits.ts';

export { FlowLimits };

/** Pauses a producer above the high watermark of unacknowledged bytes and resumes it below the low one (see FlowLimits). */
export class FlowControl {
  #unacked = 0;
  #paused = false;
  #pause: () => void;
  #resume: () => void;

  constructor(pause: () => void, resume: () => void) {
    this.#pause = pause;
    this.#resume = resume;
  }

  get unacknowledged(): number {
    return this.#unacked;
  }

  sent(bytes: number): void {
    this.#unacked += bytes;
    if (!this.#paused && this.#unacked > FlowLimits.highWatermark) {
      this.#paused = true;
      this.#pause();
    }
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
}
