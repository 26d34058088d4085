import { createHash } from 'node:crypto';
import { ErrorCode } from '../../../src/lib/wire/error-codes.ts';
import type { CheckStatus } from '../../../src/lib/wire/protocol.ts';
import { displayName, HubLimits, type Report } from './report.ts';
import { nameWarnings, type NameWarning } from './names.ts';
import type { StoredLearner } from './store.ts';
import { sortLearners, type LearnerVerdicts } from './table.ts';

/** One check of one learner as the hub keeps it; times are epoch milliseconds. */
interface CheckState {
  lab: string;
  check: string;
  status: CheckStatus;
  at: number;
  attempts: number;
  /** The first failure of the current run of failures; unset while the check passes. */
  failingSince?: number;
}

interface Learner {
  id: string;
  name: string;
  /** When the hub last heard from this learner, by the hub's clock. */
  lastSeen: number;
  /** The SHA-256 of the secret the learner's runner sent first: the id is bound to it. */
  secretHash?: string;
  checks: Map<string, CheckState>;
}

/** A learner as the instructor's table and `GET /api/learners` show them. */
export interface LearnerSummary {
  id: string;
  name: string;
  /**
   * Why the instructor should look twice at the name: the `same` as another learner's, one that
   * `looksLike` another's (letters of another alphabet that look alike), or letters of `mixed`
   * alphabets inside one word.
   */
  nameWarning: NameWarning | null;
  /** The chapter (lab slug) of the latest result: where the learner is now. */
  chapter: string | null;
  /** Checks whose latest result is a pass. */
  passed: number;
  latest: { lab: string; check: string; status: CheckStatus; at: string } | null;
  /** Set when the latest result is a failure and that check has not passed since. */
  stuck: { lab: string; check: string; since: string; minutes: number } | null;
  lastSeen: string;
}

export type ApplyOutcome =
  | {
      ok: true;
      /** The check keys (`lab/check`) of the report that the hub keeps: what it must save. */
      keys: string[];
      /**
       * The report changed nothing but when the hub last heard from the learner (a heartbeat: a
       * known learner, the same name, no result kept): nothing in it needs saving at once, and the
       * table changes only if its "last seen" did. Then `seenBefore` is the time it replaced.
       */
      quiet: boolean;
      seenBefore?: number;
    }
  | { ok: false; status: 400 | 403 | 409; code: ErrorCode; message: string };

/** Which lab and check ids the hub takes: the book's (hub/table.ts BookOrder), or any. */
export type KnownCheck = (lab: string, check: string) => boolean;

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The hub's memory: learners and their latest result per check. Times come from the learners'
 * clocks (a result reported after an outage keeps the time it ran), clamped between the hub's
 * start and its present: a fast clock cannot make a learner look stuck for a negative time, nor
 * a slow or forged one (year 1) stuck for a million minutes.
 */
export class HubLearners {
  #learners = new Map<string, Learner>();
  #startedAt: number;
  #capacity: number;
  /** Learners refused because the room was full, until they get in: "K waiting". */
  #waiting = new Set<string>();

  /**
   * `startedAt`: when the hub first started; no reported time is taken as earlier. `saved`: the
   * learners a restarted hub kept (hub/store.ts), taken as they were. `capacity`: how many
   * learners the hub follows (--hub-capacity).
   */
  constructor(
    startedAt = Number.NEGATIVE_INFINITY,
    saved: readonly StoredLearner[] = [],
    capacity: number = HubLimits.learners,
  ) {
    this.#startedAt = startedAt;
    this.#capacity = capacity;
    for (const learner of saved)
      this.#learners.set(learner.id, {
        id: learner.id,
        name: learner.name,
        lastSeen: learner.lastSeen,
        ...(learner.secretHash ? { secretHash: learner.secretHash } : {}),
        checks: new Map(learner.checks.map((check) => [keyOf(check), { ...check }])),
      });
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** How many learners were refused because the room was full and have not got in since. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Every learner and check as hub/store.ts keeps them. */
  saved(): StoredLearner[] {
    return [...this.#learners.keys()].flatMap((id) => this.stored(id) ?? []);
  }

  /** One learner as hub/store.ts keeps them, with every check or only those of `keys`. */
  stored(id: string, keys?: Iterable<string>): StoredLearner | undefined {
    const learner = this.#learners.get(id);
    if (!learner) return undefined;
    const checks = keys
      ? [...keys].flatMap((key) => learner.checks.get(key) ?? [])
      : [...learner.checks.values()];
    return {
      id: learner.id,
      name: learner.name,
      lastSeen: learner.lastSeen,
      ...(learner.secretHash ? { secretHash: learner.secretHash } : {}),
      checks: checks.map((check) => ({ ...check })),
    };
  }

  /** Each learner's latest verdict per check and where they are stuck, for hub/table.ts counts. */
  verdicts(): LearnerVerdicts[] {
    return [...this.#learners.values()].map((learner) => ({
      checks: learner.checks.values(),
      stuck: stuckOn(latestOf(learner)),
    }));
  }

  get size(): number {
    return this.#learners.size;
  }

  has(id: string): boolean {
    return this.#learners.has(id);
  }

  /**
   * Takes a report into memory. Refused: a new learner past the capacity (403 hub-full), an id
   * bound to another secret (409), two verdicts of one check in a report, or more distinct checks
   * than a learner may have (400). Results of labs and checks that `known` does not take are
   * dropped. The outcome names the checks the caller must save.
   */
  apply(report: Report, now = Date.now(), known: KnownCheck = () => true): ApplyOutcome {
    let learner = this.#learners.get(report.learner);
    const hash = report.secret === undefined ? undefined : secretHash(report.secret);
    if (learner?.secretHash !== undefined && learner.secretHash !== hash)
      return {
        ok: false,
        status: 409,
        code: ErrorCode.learnerTaken,
        message:
          'this learner id belongs to another runner: delete hub-learner-id and hub-learner-secret from the workspace and restart to join as yourself',
      };
    const keys = report.results.map(keyOf);
    if (new Set(keys).size !== keys.length)
      return {
        ok: false,
        status: 400,
        code: ErrorCode.badReport,
        message: 'a report may hold at most one verdict per check',
      };
    if (!learner) {
      if (this.#learners.size >= this.#capacity) {
        if (this.#waiting.size < HubLimits.waitingKept) this.#waiting.add(report.learner);
        return {
          ok: false,
          status: 403,
          code: ErrorCode.hubFull,
          message: `the hub is full: it follows ${this.#capacity} learners. Ask the instructor to make room (--hub-capacity)`,
        };
      }
      learner = { id: report.learner, name: '', lastSeen: now, checks: new Map() };
    }
    const seenBefore = this.#learners.has(learner.id) ? learner.lastSeen : undefined;
    const quiet =
      seenBefore !== undefined &&
      learner.name === displayName(report.name) &&
      (hash === undefined || learner.secretHash === hash);
    const taken = report.results.filter((result) => known(result.lab, result.check));
    const added = taken.map(keyOf).filter((key) => !learner.checks.has(key)).length;
    if (learner.checks.size + added > HubLimits.checksPerLearner)
      return {
        ok: false,
        status: 400,
        code: ErrorCode.tooManyChecks,
        message: `a learner may report at most ${HubLimits.checksPerLearner} distinct checks`,
      };
    this.#waiting.delete(learner.id);
    this.#summaries.delete(learner);
    if (hash !== undefined) learner.secretHash = hash;
    const name = displayName(report.name);
    if (seenBefore === undefined || learner.name !== name) this.#namesChanged += 1;
    this.#learners.set(learner.id, learner);
    learner.name = name;
    learner.lastSeen = now;
    const results = taken
      .map((result) => ({
        ...result,
        at: Math.min(Math.max(Date.parse(result.at), this.#startedAt), now),
      }))
      .sort((a, b) => a.at - b.at);
    for (const result of results) {
      const key = keyOf(result);
      const known = learner.checks.get(key);
      // A result already seen (a snapshot sent again after a restart) or older than what is known.
      if (known && result.at <= known.at) continue;
      const state: CheckState = {
        lab: result.lab,
        check: result.check,
        status: result.status,
        at: result.at,
        attempts: result.attempts,
      };
      if (result.status !== 'pass')
        state.failingSince =
          known && known.status !== 'pass' ? (known.failingSince ?? known.at) : result.at;
      learner.checks.set(key, state);
    }
    const kept = taken.map(keyOf);
    return {
      ok: true,
      keys: kept,
      quiet: quiet && kept.length === 0,
      ...(seenBefore === undefined ? {} : { seenBefore }),
    };
  }

  /** Every learner, stuck ones first (longest stuck first), then by name. */
  list(now = Date.now()): LearnerSummary[] {
    const learners = [...this.#learners.values()];
    const warnings = this.#warnings(learners);
    const rows = learners.map((learner) =>
      this.#summary(learner, warnings.get(learner.id) ?? null, now),
    );
    return sortLearners(rows, 'stuck');
  }

  /**
   * Each learner's summary as last made, until the learner reports again (`apply` drops it), the
   * name's warning changes or the minutes stuck do. The table is made again at every push, for a
   * room of a thousand a few times a second: the summaries, and the rows hub/view.ts makes of
   * them, are then made again only for the learners that changed, and the same objects tell the
   * live table (hub/live.ts) which rows it need not send.
   */
  #summaries = new WeakMap<Learner, { summary: LearnerSummary; stuckSince: number | undefined }>();
  #summary(learner: Learner, nameWarning: NameWarning | null, now: number): LearnerSummary {
    const kept = this.#summaries.get(learner);
    if (
      kept &&
      kept.summary.nameWarning === nameWarning &&
      kept.summary.stuck?.minutes === minutesSince(kept.stuckSince, now)
    )
      return kept.summary;
    const { stuckSince, ...summary } = summarize(learner, now);
    const made = { ...summary, nameWarning };
    this.#summaries.set(learner, { summary: made, stuckSince });
    return made;
  }

  /** Counts each learner come and each name changed: the names' warnings are kept until it moves. */
  #namesChanged = 0;
  /** The names' warnings, worked out again only when a name changed or a learner came. */
  #warningsOf: { names: number; warnings: Map<string, NameWarning | null> } | undefined;
  #warnings(learners: readonly Learner[]): Map<string, NameWarning | null> {
    if (this.#warningsOf?.names !== this.#namesChanged) {
      const found = nameWarnings(learners.map((learner) => learner.name));
      this.#warningsOf = {
        names: this.#namesChanged,
        warnings: new Map(learners.map((learner, index) => [learner.id, found[index] ?? null])),
      };
    }
    return this.#warningsOf.warnings;
  }
}

function keyOf(result: { lab: string; check: string }): string {
  return `${result.lab}/${result.check}`;
}

/** A learner's latest verdict: the last of those at the latest moment. */
function latestOf(learner: Learner): CheckState | undefined {
  let latest: CheckState | undefined;
  for (const state of learner.checks.values()) if (!latest || state.at >= latest.at) latest = state;
  return latest;
}

/** The check a learner is stuck on (their latest verdict, failing), or null. */
const stuckOn = (latest: CheckState | undefined) =>
  latest && latest.status !== 'pass' && latest.failingSince !== undefined ? latest : null;

/** Whole minutes from `since` to `now`, or undefined without a `since`. */
const minutesSince = (since: number | undefined, now: number) =>
  since === undefined ? undefined : Math.max(0, Math.floor((now - since) / 60_000));

function summarize(
  learner: Learner,
  now: number,
): Omit<LearnerSummary, 'nameWarning'> & { stuckSince: number | undefined } {
  const latest = latestOf(learner);
  let passed = 0;
  for (const state of learner.checks.values()) if (state.status === 'pass') passed += 1;
  const stuckSince = stuckOn(latest)?.failingSince;
  return {
    id: learner.id,
    name: learner.name,
    chapter: latest?.lab ?? null,
    passed,
    latest: latest
      ? {
          lab: latest.lab,
          check: latest.check,
          status: latest.status,
          at: new Date(latest.at).toISOString(),
        }
      : null,
    stuck:
      latest && stuckSince !== undefined
        ? {
            lab: latest.lab,
            check: latest.check,
            since: new Date(stuckSince).toISOString(),
            minutes: minutesSince(stuckSince, now) ?? 0,
          }
        : null,
    lastSeen: new Date(learner.lastSeen).toISOString(),
    stuckSince,
  };
}
