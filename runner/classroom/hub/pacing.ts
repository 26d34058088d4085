/**
 * When the hub sends its live tables again after a report (hub.ts `push`). Reports come in
 * bursts (a room pressing "Check my step" together): a burst goes in one push, `windowMs` after
 * its first report. In a room so big that a push costs more than a sixth of that, pushes keep to
 * a quarter of the hub's time: the next one starts no sooner than three times a push's cost after
 * the last one ended.
 *
 * That cost is an average of the latest pushes (exponential, `weight` for the newest), not the
 * latest alone: one slow push, a garbage collection or a busy machine, then held the next one
 * three times as long, and the reports behind it waited for both: the bench's slowest reports
 * were far behind its median (docs/performance.md, "A classroom on one hub"). A room whose
 * pushes stay slow brings the average up within a few pushes (from none: the first pushes are
 * not held), so the quarter holds all the same.
 */
export class PushPacing {
  readonly #windowMs: number;
  readonly #weight: number;
  readonly #now: () => number;
  #costMs = 0;
  #endedAt = Number.NEGATIVE_INFINITY;

  /**
   * @param windowMs how long a push waits after the first report of a burst. @default 200
   * @param weight the newest push's share of the average cost. @default 0.25
   * @param now a clock in milliseconds (tests give their own). @default performance.now
   */
  constructor(windowMs = 200, weight = 0.25, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#weight = weight;
    this.#now = now;
  }

  /** The average cost of a push, in milliseconds. */
  get costMs(): number {
    return this.#costMs;
  }

  /** How long the push a report asks for waits: the burst's window, or the rest of the pause. */
  delay(): number {
    const pause = this.#endedAt + 3 * this.#costMs - this.#now();
    return Math.max(this.#windowMs, Math.ceil(pause));
  }

  /** A push that began at `startedAt` (by the same clock) has just ended. */
  pushed(startedAt: number): void {
    const now = this.#now();
    const cost = Math.max(0, now - startedAt);
    this.#costMs += this.#weight * (cost - this.#costMs);
    this.#endedAt = now;
  }
}
