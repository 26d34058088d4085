import type { RunTarget, ServerMessage } from '../lib/wire/protocol.ts';

/** Whether a runner answers this page, and whether this browser may use it. */
export type RunnerState = 'probing' | 'absent' | 'unpaired' | 'connected';

type Events = {
  state: RunnerState;
  message: ServerMessage;
  /**
   * Run a cell, or a chapter's prepare (Catch up) or cleanup (Reset chapter), in the terminal.
   * `keepFocus`: asked from the keyboard, so the focus stays where the learner is (a terminal
   * takes Tab for itself); asked with a pointer, the terminal takes the focus, to type in it.
   */
  run: RunTarget & { keepFocus?: boolean };
  /** Presenter mode turned on (`true`) or off (src/client/presenter.ts). */
  presenter: boolean;
};

/**
 * The page's one channel between the cells and checks and the terminal dock, which loads later
 * (and only with a runner). A small typed wrapper over EventTarget.
 */
class LabBus {
  #target = new EventTarget();
  state: RunnerState = 'probing';

  /**
   * Listens until the returned function is called or `options.signal` aborts: an element passes
   * the signal it gives its DOM listeners, and one abort releases both.
   */
  on<K extends keyof Events>(
    type: K,
    listener: (detail: Events[K]) => void,
    options: { signal?: AbortSignal } = {},
  ): () => void {
    const wrapped = (event: Event) => listener((event as CustomEvent<Events[K]>).detail);
    this.#target.addEventListener(type, wrapped, options);
    return () => this.#target.removeEventListener(type, wrapped);
  }

  emit<K extends keyof Events>(type: K, detail: Events[K]): void {
    if (type === 'state') this.state = detail as RunnerState;
    this.#target.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

export const bus = new LabBus();
