import { errorMessage } from '../../../src/lib/wire/error-codes.ts';
import type { HubLearners } from './learners.ts';
import { StoreFailure, type HubStore } from './store.ts';

/**
 * Group commit: reports that arrive within `delayMs` of each other are written in one
 * transaction, and each is acknowledged only once that transaction has committed. What a failed
 * commit held stays to write (the learners' rows as they are in memory then), so the next commit
 * that succeeds saves it too; the reports it held are answered 503 and sent again.
 */
export class GroupCommit {
  #store: HubStore;
  #learners: HubLearners;
  #log: (message: string) => void;
  #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The commit of rows only touched (heartbeats), when no report brings one sooner. */
  #lazyTimer: NodeJS.Timeout | undefined;
  #lazyMs: number;
  /** Learner id → the check keys to write with their row. */
  #dirty = new Map<string, Set<string>>();
  #waiting: Array<(failure: StoreFailure | undefined) => void> = [];
  #failure: StoreFailure | undefined;
  #changed: () => void;

  /** `changed` is called when saving starts or stops failing (the table says why). */
  constructor(
    store: HubStore,
    learners: HubLearners,
    log: (message: string) => void,
    changed: () => void,
    delayMs = 50,
    lazyMs = 30_000,
  ) {
    this.#store = store;
    this.#learners = learners;
    this.#log = log;
    this.#changed = changed;
    this.#delayMs = delayMs;
    this.#lazyMs = lazyMs;
    this.#failure = store.readOnly;
  }

  /** Why the latest commit failed, until one succeeds. */
  get failure(): StoreFailure | undefined {
    return this.#failure;
  }

  /** Resolves once a commit holding this learner's row and these checks is done, or failed. */
  save(learner: string, keys: readonly string[]): Promise<StoreFailure | undefined> {
    let known = this.#dirty.get(learner);
    if (!known) this.#dirty.set(learner, (known = new Set()));
    for (const key of keys) known.add(key);
    this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /**
   * Marks a learner's row to write with the next commit, without waiting for one: a heartbeat
   * moves only "last seen", which a crash may lose without harm, so a room of idle learners costs
   * one commit every `lazyMs` rather than one per heartbeat.
   */
  touch(learner: string): void {
    if (!this.#dirty.has(learner)) this.#dirty.set(learner, new Set());
    if (!this.#lazyTimer) {
      this.#lazyTimer = setTimeout(() => this.flush(), this.#lazyMs);
      this.#lazyTimer.unref?.();
    }
  }

  /** Commits what is waiting now, and answers every save waiting. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#lazyTimer);
    this.#lazyTimer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    if (this.#dirty.size === 0 && waiting.length === 0) return;
    let failure: StoreFailure | undefined;
    try {
      this.#store.commit(
        [...this.#dirty].flatMap(([id, keys]) => this.#learners.stored(id, keys) ?? []),
      );
      this.#dirty.clear();
    } catch (error) {
      failure =
        error instanceof StoreFailure ? error : new StoreFailure('failed', errorMessage(error));
    }
    const was = this.#failure;
    this.#failure = failure;
    if (failure && was?.message !== failure.message)
      this.#log(
        `hub: ${failure.message}. Reports are answered 503 and learners’ runners keep them and ` +
          'send them again; free space or fix the folder and the hub saves them.',
      );
    if (!failure && was) this.#log(`hub: saving to ${this.#store.file} again`);
    if (Boolean(failure) !== Boolean(was) || failure?.message !== was?.message) this.#changed();
    for (const resolve of waiting) resolve(failure);
  }
}
