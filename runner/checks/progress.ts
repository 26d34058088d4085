import { readFileSync, renameSync } from 'node:fs';
import { errorMessage } from '../../src/lib/error-codes.ts';
import {
  emptyProgress,
  progressSchema,
  type Progress,
  type ProgressEntry,
} from '../../src/lib/progress.ts';
import type { CheckResult } from '../../src/lib/protocol.ts';
import { writeAtomic } from '../workspace.ts';

/** Told of each result as it is recorded (runner/classroom/reporter.ts sends it to an instructor's hub). */
export type RecordListener = (lab: string, check: string, entry: ProgressEntry) => void;

/**
 * The progress file: read once at start, updated in memory, written by atomic rename after each
 * result. Writes are serialized, so two checks finishing together cannot lose one another.
 */
export class ProgressStore {
  #path: string;
  #data: Progress;
  #writing: Promise<void> = Promise.resolve();
  #log: (message: string) => void;
  #listeners = new Set<RecordListener>();

  constructor(path: string, log: (message: string) => void = console.warn) {
    this.#path = path;
    this.#log = log;
    this.#data = this.#read();
  }

  get snapshot(): Progress {
    return structuredClone(this.#data);
  }

  record(lab: string, check: string, result: CheckResult): Promise<void> {
    const previous = this.#data.labs[lab]?.[check];
    const at = new Date().toISOString();
    const entry: ProgressEntry = {
      status: result.status,
      at,
      ms: result.ms,
      attempts: result.attempts,
    };
    const firstPassedAt = previous?.firstPassedAt ?? (result.status === 'pass' ? at : undefined);
    if (firstPassedAt) entry.firstPassedAt = firstPassedAt;
    (this.#data.labs[lab] ??= {})[check] = entry;
    for (const listener of this.#listeners) {
      try {
        listener(lab, check, { ...entry });
      } catch (error) {
        // A listener (the hub reporter) must never fail the check that was recorded.
        this.#log(`a progress listener failed: ${errorMessage(error)}`);
      }
    }
    const text = `${JSON.stringify(this.#data, null, 2)}\n`;
    // A failed write (disk full, workspace removed) is reported and does not stop later writes.
    this.#writing = this.#writing
      .then(() => writeAtomic(this.#path, text, 0o600))
      .catch((error: unknown) =>
        this.#log(`could not save progress to ${this.#path}: ${errorMessage(error)}`),
      );
    return this.#writing;
  }

  /** Calls `listener` after each recorded result; returns the function that stops that. */
  onRecord(listener: RecordListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #read(): Progress {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch {
      // No progress yet: a first start.
      return emptyProgress();
    }
    try {
      const parsed = progressSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      throw new Error('not a version 1 progress file', { cause: parsed.error });
    } catch (error) {
      const aside = `${this.#path}.corrupt-${Date.now()}`;
      renameSync(this.#path, aside);
      this.#log(
        `progress file was unreadable (${errorMessage(error)}); moved it to ${aside} and started afresh`,
      );
      return emptyProgress();
    }
  }
}
