/**
 * One lifecycle for everything the runner starts and must end: a terminal session and its parts
 * (its output batch, its kept screen, the stream to its page). Each goes through the same states,
 * only forward, and whatever it set up (a timer, a screen, a listener) is registered in one store
 * that ends it all once. This is VS Code's terminal host and xterm's addons' way: `dispose()` safe
 * to call twice, disposers run in reverse order of registration (what was set up last may depend
 * on what came before it), and a disposer that throws does not keep the others from running.
 */

/** The states of a lifecycle, in the only order they are reached. */
export const LifeState = {
  /** Being set up: nothing to end yet but what the store holds. */
  starting: 'starting',
  /** Doing its work. */
  running: 'running',
  /** Asked to end, or its process ended: finishing what is in flight (a shell's last output). */
  ending: 'ending',
  /** Ended: everything it held is disposed, and it does nothing more. */
  ended: 'ended',
} as const;
export type LifeState = (typeof LifeState)[keyof typeof LifeState];

const order: readonly LifeState[] = Object.values(LifeState);

/** Anything that can be ended: an object with `dispose()`, or a function that ends something. */
export type Disposer = { dispose(): void } | (() => void);

/**
 * What something set up and must end, ended once: in reverse order of registration, every
 * disposer run even when one throws. The errors are thrown together, as one AggregateError, once
 * all have run. A disposer added after the store was disposed is run at once, so nothing leaks.
 */
export class DisposableStore {
  #disposers: Disposer[] = [];
  #disposed = false;

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Registers a disposer, and returns it. */
  add<T extends Disposer>(disposer: T): T {
    if (this.#disposed) runAll([disposer]);
    else this.#disposers.push(disposer);
    return disposer;
  }

  /** Runs every disposer once, the last registered first; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const disposers = this.#disposers.reverse();
    this.#disposers = [];
    runAll(disposers);
  }
}

function runAll(disposers: readonly Disposer[]): void {
  const errors: unknown[] = [];
  for (const disposer of disposers) {
    try {
      if (typeof disposer === 'function') disposer();
      else disposer.dispose();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposers failed`);
}

/**
 * A state that only moves forward, and the store of what to end when it reaches `ended`. An owner
 * asks `advance(to)` before it acts on a change: the answer is true only the first time, so that
 * an end reached from two sides (the shell exits, the page asks to close) runs once.
 */
export class Lifecycle {
  #state: LifeState = LifeState.starting;
  readonly store = new DisposableStore();

  get state(): LifeState {
    return this.#state;
  }

  /** Whether the state is `state` or past it. */
  reached(state: LifeState): boolean {
    return order.indexOf(this.#state) >= order.indexOf(state);
  }

  /**
   * Moves to `to` if that is ahead of the state now, and says whether it moved. Reaching `ended`
   * disposes the store (its errors thrown once every disposer has run).
   */
  advance(to: LifeState): boolean {
    if (this.reached(to)) return false;
    this.#state = to;
    if (to === LifeState.ended) this.store.dispose();
    return true;
  }
}
