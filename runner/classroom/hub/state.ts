import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from '../../../src/lib/error-codes.ts';
import { writeAtomic } from '../../workspace.ts';
import { displayNameProblem, HubLimits, labId, learnerIdSchema } from './report.ts';

/**
 * The hub's memory on disk, `<workspace>/hub-state.json` (mode 0600: it holds both tokens), so that
 * a restarted hub takes the same join and view links and shows the same table. It is written by
 * atomic rename (workspace.ts `writeAtomic`), so a reader or a crash never leaves half a file.
 */

const token = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,128}$/, 'a token is 16-128 letters, digits, - or _');
const time = z.iso.datetime();

const savedCheck = z.strictObject({
  lab: labId,
  check: labId,
  status: z.enum(['pass', 'fail', 'error']),
  at: time,
  attempts: z.number().int().min(0),
  /** The first failure of the current run of failures; absent while the check passes. */
  failingSince: time.optional(),
});

const savedLearner = z.strictObject({
  id: learnerIdSchema(),
  name: z.string().superRefine((value, ctx) => {
    const problem = displayNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  lastSeen: time,
  checks: z.array(savedCheck).max(HubLimits.checksPerLearner),
});

export const hubStateSchema = z
  .strictObject({
    version: z.literal(1),
    joinToken: token,
    viewToken: token,
    /** When this hub first started: no reported time is taken as earlier (learners.ts). */
    startedAt: time,
    learners: z.array(savedLearner).max(HubLimits.learners),
  })
  .refine((state) => state.joinToken !== state.viewToken, {
    message: 'the join token and the view token are the same',
  });

export type HubState = z.output<typeof hubStateSchema>;
export type SavedLearner = HubState['learners'][number];

/** A new hub's state: two fresh tokens and nobody yet. */
export function freshState(now = Date.now()): HubState {
  return {
    version: 1,
    joinToken: randomBytes(24).toString('base64url'),
    viewToken: randomBytes(24).toString('base64url'),
    startedAt: new Date(now).toISOString(),
    learners: [],
  };
}

export interface LoadedState {
  state: HubState;
  /** False when a bad file could not be moved aside: writing would replace it, so nothing is. */
  writable: boolean;
}

/**
 * Reads the state file. No file is a first start. A file that cannot be read, is not JSON or is
 * not a hub state is never used nor deleted: it is renamed `<file>.corrupt-<time>` and the log
 * says why and where it went; the hub then starts afresh, with new links.
 */
export function loadHubState(file: string, log: (message: string) => void): LoadedState {
  let problem: string;
  try {
    const parsed = hubStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { state: parsed.data, writable: true };
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`);
    problem = `it is not a hub state file (${issues.join('; ')})`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { state: freshState(), writable: true };
    problem =
      error instanceof SyntaxError
        ? `it is not JSON (${error.message})`
        : `it cannot be read (${errorMessage(error)})`;
  }
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    log(
      `hub: cannot use the saved state ${file}: ${problem}; nor move it aside (${errorMessage(error)}). ` +
        'The hub starts with new links and an empty table, kept in memory only: ' +
        'move that file away (or fix its permissions) and restart the hub to keep the table again.',
    );
    return { state: freshState(), writable: false };
  }
  log(
    `hub: cannot use the saved state ${file}: ${problem}. It was moved to ${aside} and the hub ` +
      'starts with new links and an empty table: give the room the new join command below.',
  );
  return { state: freshState(), writable: true };
}

/**
 * Writes the state by group commit: `save()` waits a moment, so that a burst of reports (a room
 * pressing "Check my step" together) costs one write, and resolves once that write is done. The
 * hub answers a report only then, so a report it acknowledged survives a crash.
 */
export class HubStateFile {
  #file: string;
  #collect: () => HubState;
  #log: (message: string) => void;
  #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #waiting: Array<() => void> = [];
  #failing = false;

  /**
   * `collect` gives the state to write; `delayMs` is how long a save waits for others to join it.
   * @param delayMs @default 50
   */
  constructor(file: string, collect: () => HubState, log: (message: string) => void, delayMs = 50) {
    this.#file = file;
    this.#collect = collect;
    this.#log = log;
    this.#delayMs = delayMs;
  }

  save(): Promise<void> {
    this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Writes now, and releases every save waiting. Safe to call with nothing pending. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.write();
    for (const resolve of waiting) resolve();
  }

  /** Writes at once. A failure is logged (once until a write succeeds again), never thrown. */
  write(): void {
    try {
      writeAtomic(this.#file, `${JSON.stringify(this.#collect())}\n`, 0o600);
      if (this.#failing) this.#log(`hub: saved the table to ${this.#file} again`);
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.#log(
          `hub: cannot save the table to ${this.#file} (${errorMessage(error)}); it goes on in ` +
            'memory, and a restart would lose what came since. Free space or fix the folder; ' +
            'the hub tries again at each report.',
        );
      this.#failing = true;
    }
  }
}
