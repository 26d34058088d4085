import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatabaseSync } from 'node:sqlite';
import { z } from 'zod';
import { errorMessage } from '../../../src/lib/wire/error-codes.ts';
import { displayNameProblem, labId, learnerIdSchema } from './report.ts';

/**
 * The hub's memory on disk, in the instructor's workspace:
 *
 * - `hub-tokens.json` (mode 0600): the join token and when the hub first started, written once.
 *   Apart from the learners, so that nothing that happens to a learner's row, or to the whole
 *   database, changes the room's join link. The view token is new at each start and kept nowhere
 *   (a file an older hub wrote also holds the view token of then, which is read past).
 * - `hub.sqlite` (mode 0600, with its `-wal` and `-shm`): one row per learner and one per
 *   learner and check, in SQLite's write-ahead log mode with `synchronous=FULL`, through Node's
 *   built-in `node:sqlite` (Node 22.13 or newer). A report is acknowledged only once the
 *   transaction that holds it has committed, so an acknowledged report survives a crash of the
 *   hub and, on disks that honour fsync, of the machine.
 *
 * An older hub's `hub-state.json` is imported once, then renamed `hub-state.json.imported-<time>`.
 */

const tokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,128}$/, 'a token is 16-128 letters, digits, - or _');
const time = z.iso.datetime();

/**
 * `hub-tokens.json`. An older hub also wrote its view token there, which was then kept across
 * starts: a file with one is still the room's, and the field is dropped as it is read.
 */
const tokensSchema = z
  .strictObject({
    version: z.literal(1),
    joinToken: tokenSchema,
    viewToken: z.unknown().optional(),
    startedAt: time,
  })
  .transform(({ version, joinToken, startedAt }) => ({ version, joinToken, startedAt }));
export type HubTokens = z.output<typeof tokensSchema>;

/** A check of a learner as kept: times are epoch milliseconds. */
export interface StoredCheck {
  lab: string;
  check: string;
  status: 'pass' | 'fail' | 'error';
  at: number;
  attempts: number;
  failingSince?: number;
}

/** A learner as kept; `secretHash` is the SHA-256 of the secret their runner sent first. */
export interface StoredLearner {
  id: string;
  name: string;
  lastSeen: number;
  secretHash?: string;
  checks: StoredCheck[];
}

const nameSchema = z.string().superRefine((value, ctx) => {
  const problem = displayNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const epoch = z.number().int().min(0).max(8.64e15);

const learnerRow = z.object({
  id: learnerIdSchema(),
  name: nameSchema,
  last_seen: epoch,
  secret_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
const checkRow = z.object({
  learner: z.string(),
  lab: labId,
  check_id: labId,
  status: z.enum(['pass', 'fail', 'error']),
  at: epoch,
  attempts: z.number().int().min(0),
  failing_since: epoch.nullable(),
});

/** A learner of an older hub's `hub-state.json`. */
const legacyLearner = z.object({
  id: learnerIdSchema(),
  name: nameSchema,
  lastSeen: time,
  checks: z.array(
    z.object({
      lab: labId,
      check: labId,
      status: z.enum(['pass', 'fail', 'error']),
      at: time,
      attempts: z.number().int().min(0),
      failingSince: time.optional(),
    }),
  ),
});

/** Why the hub cannot save, as the 503 answer, the log and the instructor's table say it. */
export type StoreProblem = 'read-only' | 'full' | 'io-error' | 'failed';

export class StoreFailure extends Error {
  readonly problem: StoreProblem;
  constructor(problem: StoreProblem, message: string, options?: ErrorOptions) {
    super(message, options);
    this.problem = problem;
  }
}

/** SQLite's primary result codes (sqlite.org/rescode.html), and the system's error codes. */
function problemOf(error: unknown): StoreProblem {
  const { errcode, code } = error as { errcode?: number; code?: string };
  const primary = typeof errcode === 'number' ? errcode & 0xff : undefined;
  if (primary === 8 || code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return 'read-only';
  if (primary === 13 || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (primary === 10 || primary === 14 || code === 'EIO') return 'io-error';
  return 'failed';
}

const problemWords: Record<StoreProblem, string> = {
  'read-only': 'the folder is read-only or not writable',
  full: 'the disk is full',
  'io-error': 'the disk failed to read or write',
  failed: 'the database failed',
};

function failure(file: string, error: unknown): StoreFailure {
  const problem = problemOf(error);
  return new StoreFailure(
    problem,
    `cannot save to ${file}: ${problemWords[problem]} (${errorMessage(error)})`,
    { cause: error },
  );
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Writes `text` to `path` through a temporary file, flushed before and after the rename. */
function writeDurable(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    const folder = openSync(dirname(path), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

const schema = `
CREATE TABLE IF NOT EXISTS learners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  secret_hash TEXT
);
CREATE TABLE IF NOT EXISTS checks (
  learner TEXT NOT NULL,
  lab TEXT NOT NULL,
  check_id TEXT NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  failing_since INTEGER,
  PRIMARY KEY (learner, lab, check_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface OpenedStore {
  store: HubStore;
  tokens: HubTokens;
  /** Every learner row that could be read and is valid; the others were named in the log. */
  learners: StoredLearner[];
}

/**
 * The hub's database. `commit` writes learners and checks in one transaction and throws a
 * `StoreFailure` when it cannot (read-only, full, I/O error); the hub then answers 503.
 */
export class HubStore {
  readonly file: string;
  readonly tokensFile: string;
  #db: DatabaseSync;
  /** Set when the database could be opened for reading only: every commit fails with it. */
  #readOnly: StoreFailure | undefined;
  #upsertLearner;
  #upsertCheck;

  private constructor(file: string, tokensFile: string, db: DatabaseSync, readOnly?: StoreFailure) {
    this.file = file;
    this.tokensFile = tokensFile;
    this.#db = db;
    this.#readOnly = readOnly;
    this.#upsertLearner = db.prepare(
      `INSERT INTO learners (id, name, last_seen, secret_hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen,
       secret_hash = excluded.secret_hash`,
    );
    this.#upsertCheck = db.prepare(
      `INSERT INTO checks (learner, lab, check_id, status, at, attempts, failing_since)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (learner, lab, check_id) DO UPDATE SET status = excluded.status,
       at = excluded.at, attempts = excluded.attempts, failing_since = excluded.failing_since`,
    );
  }

  /** Why every commit fails, when the database is open for reading only. */
  get readOnly(): StoreFailure | undefined {
    return this.#readOnly;
  }

  /**
   * Opens (or makes) the tokens and the database in `dir`, imports an older `hub-state.json`
   * once, and reads every learner. Never throws for what is on disk: a file it cannot use is
   * moved aside and named in the log; a folder it cannot write leaves the hub reading what it
   * can, answering every report 503 until it is fixed.
   */
  static async open(dir: string, log: (message: string) => void): Promise<OpenedStore> {
    const { DatabaseSync } = await import('node:sqlite');
    const file = join(dir, 'hub.sqlite');
    const tokensFile = join(dir, 'hub-tokens.json');
    const legacyFile = join(dir, 'hub-state.json');
    const legacy = readLegacy(legacyFile, log);
    const tokens = openTokens(tokensFile, legacy?.tokens, log);

    const fresh = (): DatabaseSync => {
      // Made 0600 before SQLite opens it: its -wal and -shm take the same mode.
      if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
      const db = new DatabaseSync(file);
      try {
        db.exec(
          'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 2000;',
        );
        db.exec(schema);
        db.prepare('SELECT count(*) FROM learners').get();
      } catch (error) {
        db.close();
        throw error;
      }
      return db;
    };
    let db: DatabaseSync;
    let readOnly: StoreFailure | undefined;
    try {
      db = fresh();
    } catch (error) {
      const { errcode } = error as { errcode?: number };
      const damaged = typeof errcode === 'number' && [11, 26].includes(errcode & 0xff);
      if (damaged) {
        const aside = `${file}.corrupt-${stamp()}`;
        log(
          `hub: cannot use the database ${file} (${errorMessage(error)}). It was moved to ${aside}; ` +
            'the hub starts with an empty table and the same join link, and learners’ runners send their results again.',
        );
        for (const suffix of ['', '-wal', '-shm'])
          if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
        db = fresh();
      } else {
        readOnly = failure(file, folderProblem(dir) ?? error);
        db = openForReading(DatabaseSync, file);
        log(
          `hub: ${readOnly.message}. The hub shows what it has, and answers every report 503 ` +
            `(${readOnly.problem}) until it can save: learners’ runners keep their results and send them again. ` +
            `Free space or make ${dir} writable, then restart the hub.`,
        );
      }
    }
    const store = new HubStore(file, tokensFile, db, readOnly);
    if (legacy && !readOnly) store.#import(legacy.learners, legacyFile, log);
    return { store, tokens, learners: store.#load(log) };
  }

  /** Writes these learners and their checks in one transaction, or throws a StoreFailure. */
  commit(learners: Iterable<StoredLearner>): void {
    if (this.#readOnly) throw this.#readOnly;
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        for (const learner of learners) {
          this.#upsertLearner.run(
            learner.id,
            learner.name,
            learner.lastSeen,
            learner.secretHash ?? null,
          );
          for (const check of learner.checks)
            this.#upsertCheck.run(
              learner.id,
              check.lab,
              check.check,
              check.status,
              check.at,
              check.attempts,
              check.failingSince ?? null,
            );
        }
        this.#db.exec('COMMIT');
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      throw failure(this.file, error);
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Reads every learner and check row; an invalid one is skipped and named in the log. */
  #load(log: (message: string) => void): StoredLearner[] {
    const learners = new Map<string, StoredLearner>();
    let rows: unknown[];
    let checks: unknown[];
    try {
      rows = this.#db.prepare('SELECT id, name, last_seen, secret_hash FROM learners').all();
      checks = this.#db
        .prepare(
          'SELECT learner, lab, check_id, status, at, attempts, failing_since FROM checks ORDER BY learner',
        )
        .all();
    } catch (error) {
      log(
        `hub: cannot read the learners in ${this.file} (${errorMessage(error)}); the table starts ` +
          'empty and fills as learners’ runners report again. The links stay the same.',
      );
      return [];
    }
    const skipped: string[] = [];
    for (const raw of rows) {
      const row = learnerRow.safeParse(raw);
      if (!row.success) {
        skipped.push(describeRow(raw, 'id', row.error));
        continue;
      }
      learners.set(row.data.id, {
        id: row.data.id,
        name: row.data.name,
        lastSeen: row.data.last_seen,
        ...(row.data.secret_hash ? { secretHash: row.data.secret_hash } : {}),
        checks: [],
      });
    }
    for (const raw of checks) {
      const row = checkRow.safeParse(raw);
      const learner = row.success ? learners.get(row.data.learner) : undefined;
      if (!row.success) skipped.push(describeRow(raw, 'learner', row.error));
      if (!row.success || !learner) continue;
      learner.checks.push({
        lab: row.data.lab,
        check: row.data.check_id,
        status: row.data.status,
        at: row.data.at,
        attempts: row.data.attempts,
        ...(row.data.failing_since === null ? {} : { failingSince: row.data.failing_since }),
      });
    }
    if (skipped.length)
      log(
        `hub: skipped ${skipped.length} damaged row(s) of ${this.file}: ${skipped.slice(0, 10).join('; ')}` +
          `${skipped.length > 10 ? '; …' : ''}. The rest of the table and the links are as they were; ` +
          'a skipped learner’s runner sends their results again.',
      );
    return [...learners.values()];
  }

  /** Imports an older hub's learners once, then moves its file aside. */
  #import(learners: unknown[], legacyFile: string, log: (message: string) => void): void {
    const kept: StoredLearner[] = [];
    const skipped: string[] = [];
    for (const raw of learners) {
      const learner = legacyLearner.safeParse(raw);
      if (!learner.success) {
        skipped.push(describeRow(raw, 'id', learner.error));
        continue;
      }
      const { id, name, lastSeen, checks } = learner.data;
      kept.push({
        id,
        name,
        lastSeen: Date.parse(lastSeen),
        checks: checks.map(({ failingSince, ...check }) => ({
          ...check,
          at: Date.parse(check.at),
          ...(failingSince === undefined ? {} : { failingSince: Date.parse(failingSince) }),
        })),
      });
    }
    try {
      this.commit(kept);
      const aside = `${legacyFile}.imported-${stamp()}`;
      renameSync(legacyFile, aside);
      log(
        `hub: imported ${kept.length} learner(s) from ${legacyFile} into ${this.file}; the old file is now ${aside}` +
          (skipped.length ? `. Skipped, as damaged: ${skipped.slice(0, 10).join('; ')}` : ''),
      );
    } catch (error) {
      log(`hub: cannot import ${legacyFile} yet (${errorMessage(error)}); it stays where it is`);
    }
  }
}

/**
 * Why nothing can be written in `dir`, found by writing a probe file there (SQLite says only
 * "unable to open database file" for a read-only folder), or undefined when it can be written.
 */
function folderProblem(dir: string): unknown {
  const probe = join(dir, `.hub-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w', 0o600));
    rmSync(probe, { force: true });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A row named for the log: its learner id if it has a readable one, and what is wrong. */
function describeRow(raw: unknown, key: string, error: z.ZodError): string {
  const id = (raw as Record<string, unknown> | null)?.[key];
  const named = typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : '(no id)';
  const issue = error.issues[0];
  return `${named} (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`;
}

/** The database as it is, for reading, when it cannot be written; else an empty one in memory. */
function openForReading(Database: typeof DatabaseSync, file: string): DatabaseSync {
  const attempts = [
    () => new Database(file, { readOnly: true }),
    () => {
      const url = pathToFileURL(file);
      url.searchParams.set('immutable', '1');
      return new Database(url, { readOnly: true });
    },
  ];
  if (existsSync(file))
    for (const attempt of attempts) {
      let db: DatabaseSync | undefined;
      try {
        db = attempt();
        db.prepare('SELECT count(*) FROM learners').get();
        db.prepare('SELECT count(*) FROM checks').get();
        return db;
      } catch {
        // The next way, or none.
        db?.close();
      }
    }
  const db = new Database(':memory:');
  db.exec(schema);
  return db;
}

interface Legacy {
  tokens: Partial<Pick<HubTokens, 'joinToken' | 'startedAt'>>;
  learners: unknown[];
}

/** An older hub's `hub-state.json`, read leniently: each part that is valid is taken. */
function readLegacy(file: string, log: (message: string) => void): Legacy | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    log(
      `hub: cannot read the old state file ${file} (${errorMessage(error)}); it is left as it is`,
    );
    return undefined;
  }
  const object = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const take = <T>(schema: z.ZodType<T>, value: unknown) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  const joinToken = take(tokenSchema, object.joinToken);
  const startedAt = take(time, object.startedAt);
  return {
    tokens: {
      ...(joinToken ? { joinToken } : {}),
      ...(startedAt ? { startedAt } : {}),
    },
    learners: Array.isArray(object.learners) ? object.learners : [],
  };
}

/**
 * The room's links: kept in `hub-tokens.json`, else taken from an older `hub-state.json`, else
 * new. A file that is not valid is moved aside, never used nor deleted, and the log says so.
 */
function openTokens(
  file: string,
  legacy: Legacy['tokens'] | undefined,
  log: (message: string) => void,
): HubTokens {
  try {
    const parsed = tokensSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new Error(parsed.error.issues[0]?.message ?? 'not a tokens file');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      const aside = `${file}.corrupt-${stamp()}`;
      try {
        renameSync(file, aside);
        log(
          `hub: cannot use ${file} (${errorMessage(error)}); it was moved to ${aside}, and the hub ` +
            'makes new links: give the room the new join command below.',
        );
      } catch (moving) {
        log(
          `hub: cannot use ${file} (${errorMessage(error)}), nor move it aside (${errorMessage(moving)}): ` +
            'the hub makes new links for this start only. Move that file away and restart the hub.',
        );
        return newTokens();
      }
    }
  }
  const tokens: HubTokens = {
    ...newTokens(),
    ...(legacy?.joinToken ? { joinToken: legacy.joinToken } : {}),
    ...(legacy?.startedAt ? { startedAt: legacy.startedAt } : {}),
  };
  try {
    writeDurable(file, `${JSON.stringify(tokens)}\n`);
  } catch (error) {
    log(
      `hub: cannot keep the links in ${file} (${errorMessage(error)}): a restart will make new ones. ` +
        'Make the workspace writable and restart the hub to keep them.',
    );
  }
  return tokens;
}

/** A fresh join token, and now as the hub's first start. */
export function newTokens(): HubTokens {
  return {
    version: 1,
    joinToken: randomBytes(24).toString('base64url'),
    startedAt: new Date().toISOString(),
  };
}
