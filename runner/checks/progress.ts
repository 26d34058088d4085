import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import {
  emptyProgress,
  progressEntrySchema,
  type Progress,
  type ProgressEntry,
} from '../../src/lib/wire/progress.ts';
import type { CheckResult } from '../../src/lib/wire/protocol.ts';
import { log as runnerLog } from '../log.ts';
import { writeDurable, writeProblem } from '../workspace.ts';

/** Told of each result as it is recorded (runner/classroom/reporter.ts sends it to an instructor's hub). */
export type RecordListener = (lab: string, check: string, entry: ProgressEntry) => void;

/** Whether a result reached the disk, and if not, why (the check's answer carries it). */
export type Saved = { saved: true } | { saved: false; saveError: string };

/**
 * The progress file: read once at start, updated in memory, written after each result through a
 * temporary file, fsync and rename, and fsync of the folder (workspace.ts, writeDurable): once a
 * result is said to be saved, it survives a crash of the runner and of the machine. Writes are
 * serialized, so two checks finishing together cannot lose one another. A write that fails is
 * said (`saved: false`); the result stays in memory and goes to the disk with the next write that
 * succeeds.
 */
export class ProgressStore {
  #path: string;
  #data: Progress;
  #writing: Promise<void> = Promise.resolve();
  #log: (message: string) => void;
  #listeners = new Set<RecordListener>();

  constructor(path: string, log: (message: string) => void = (message) => runnerLog.warn(message)) {
    this.#path = path;
    this.#log = log;
    this.#data = this.#read();
  }

  get snapshot(): Progress {
    return structuredClone(this.#data);
  }

  record(lab: string, check: string, result: CheckResult): Promise<Saved> {
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
    const written = this.#writing.then((): Saved => {
      try {
        writeDurable(this.#path, text, 0o600);
        return { saved: true };
      } catch (error) {
        const saveError = writeProblem(error);
        this.#log(`could not save progress to ${this.#path}: ${saveError}`);
        return { saved: false, saveError };
      }
    });
    this.#writing = written.then(() => undefined);
    return written;
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
    let data: unknown;
    try {
      data = JSON.parse(text);
      if (!isProgressShape(data)) throw new Error('not a version 1 progress file');
    } catch (error) {
      const aside = `${this.#path}.corrupt-${Date.now()}`;
      renameSync(this.#path, aside);
      this.#log(
        `progress file was unreadable (${errorMessage(error)}); moved it to ${aside} and started afresh`,
      );
      return emptyProgress();
    }
    // One entry that does not read costs that entry only: the others are kept, it is named, and
    // the file as it was is copied aside.
    const progress = emptyProgress();
    const dropped: string[] = [];
    for (const [lab, checks] of Object.entries(data.labs)) {
      if (!isRecord(checks)) {
        dropped.push(`${lab} (not a map of checks)`);
        continue;
      }
      for (const [check, entry] of Object.entries(checks)) {
        const parsed = progressEntrySchema.safeParse(entry);
        if (parsed.success) (progress.labs[lab] ??= {})[check] = parsed.data;
        else
          dropped.push(
            `${lab}/${check} (${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ')})`,
          );
      }
    }
    if (dropped.length > 0) {
      const aside = `${this.#path}.invalid-${Date.now()}`;
      try {
        writeFileSync(aside, text, { mode: 0o600 });
      } catch {
        // The copy is a courtesy: the entries are named in the log either way.
      }
      this.#log(
        `progress file had ${dropped.length} entr${dropped.length === 1 ? 'y' : 'ies'} that could not be read, dropped (the rest is kept, the file as it was is in ${aside}): ${dropped.join(', ')}`,
      );
    }
    return progress;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A progress file's outer shape: version 1 and a map of labs (each entry is read on its own). */
function isProgressShape(value: unknown): value is { version: 1; labs: Record<string, unknown> } {
  return isRecord(value) && value.version === 1 && isRecord(value.labs);
}
