import { readFileSync, renameSync } from 'node:fs';
import type { CheckResult } from '../../src/lib/protocol.ts';
import { writeAtomic } from '../workspace.ts';

/** One check's latest result as the progress file keeps it. */
export interface ProgressEntry {
  status: CheckResult['status'];
  /** ISO time of the latest run. */
  at: string;
  ms: number;
  attempts: number;
  /** ISO time of the first pass, kept across later failures so drift can be shown. */
  firstPassedAt?: string;
}

/** Told of each result as it is recorded (runner/classroom/reporter.ts sends it to an instructor's hub). */
export type RecordListener = (lab: string, check: string, entry: ProgressEntry) => void;

export interface Progress {
  version: 1;
  labs: Record<string, Record<string, ProgressEntry>>;
}

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
        this.#log(`a progress listener failed: ${(error as Error).message}`);
      }
    }
    const text = `${JSON.stringify(this.#data, null, 2)}\n`;
    // A failed write (disk full, workspace removed) is reported and does not stop later writes.
    this.#writing = this.#writing
      .then(() => writeAtomic(this.#path, text, 0o600))
      .catch((error: unknown) =>
        this.#log(`could not save progress to ${this.#path}: ${(error as Error).message}`),
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
      return { version: 1, labs: {} };
    }
    try {
      const data = JSON.parse(text) as Progress;
      if (data && data.version === 1 && typeof data.labs === 'object') return data;
      throw new Error('not a version 1 progress file');
    } catch (error) {
      const aside = `${this.#path}.corrupt-${Date.now()}`;
      renameSync(this.#path, aside);
      this.#log(
        `progress file was unreadable (${(error as Error).message}); moved it to ${aside} and started afresh`,
      );
      return { version: 1, labs: {} };
    }
  }
}
