import { ErrorCode } from '../../../src/lib/error-codes.ts';
import type { CheckStatus } from '../../../src/lib/protocol.ts';
import { displayName, HubLimits, type Report } from './report.ts';
import { nameWarnings, type NameWarning } from './names.ts';
import type { SavedLearner } from './state.ts';
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
  { ok: true } | { ok: false; status: 400 | 429; code: ErrorCode; message: string };

/**
 * The hub's memory: learners and their latest result per check. Times come from the learners'
 * clocks (a result reported after an outage keeps the time it ran), clamped between the hub's
 * start and its present: a fast clock cannot make a learner look stuck for a negative time, nor
 * a slow or forged one (year 1) stuck for a million minutes.
 */
export class HubLearners {
  #learners = new Map<string, Learner>();
  #startedAt: number;

  /**
   * `startedAt`: when the hub first started; no reported time is taken as earlier. `saved`: the
   * learners a restarted hub kept (hub/state.ts), taken as they were.
   */
  constructor(startedAt = Number.NEGATIVE_INFINITY, saved: readonly SavedLearner[] = []) {
    this.#startedAt = startedAt;
    for (const learner of saved)
      this.#learners.set(learner.id, {
        id: learner.id,
        name: learner.name,
        lastSeen: Date.parse(learner.lastSeen),
        checks: new Map(
          learner.checks.map(({ failingSince, ...check }) => [
            keyOf(check),
            {
              ...check,
              at: Date.parse(check.at),
              ...(failingSince === undefined ? {} : { failingSince: Date.parse(failingSince) }),
            },
          ]),
        ),
      });
  }

  /** Every learner and check as hub/state.ts keeps them, times as ISO 8601. */
  saved(): SavedLearner[] {
    const iso = (time: number) => new Date(time).toISOString();
    return [...this.#learners.values()].map((learner) => ({
      id: learner.id,
      name: learner.name,
      lastSeen: iso(learner.lastSeen),
      checks: [...learner.checks.values()].map(({ failingSince, ...check }) => ({
        ...check,
        at: iso(check.at),
        ...(failingSince === undefined ? {} : { failingSince: iso(failingSince) }),
      })),
    }));
  }

  /** Each learner's latest verdict per check and where they are stuck, for hub/table.ts counts. */
  verdicts(now = Date.now()): LearnerVerdicts[] {
    return [...this.#learners.values()].map((learner) => ({
      checks: [...learner.checks.values()],
      stuck: summarize(learner, now).stuck,
    }));
  }

  get size(): number {
    return this.#learners.size;
  }

  apply(report: Report, now = Date.now()): ApplyOutcome {
    let learner = this.#learners.get(report.learner);
    if (!learner) {
      if (this.#learners.size >= HubLimits.learners)
        return {
          ok: false,
          status: 429,
          code: ErrorCode.hubFull,
          message: `the hub already follows ${HubLimits.learners} learners`,
        };
      learner = { id: report.learner, name: '', lastSeen: now, checks: new Map() };
    }
    const added = new Set(report.results.map(keyOf).filter((key) => !learner.checks.has(key))).size;
    if (learner.checks.size + added > HubLimits.checksPerLearner)
      return {
        ok: false,
        status: 400,
        code: ErrorCode.tooManyChecks,
        message: `a learner may report at most ${HubLimits.checksPerLearner} distinct checks`,
      };
    this.#learners.set(learner.id, learner);
    learner.name = displayName(report.name);
    learner.lastSeen = now;
    const results = report.results
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
    return { ok: true };
  }

  /** Every learner, stuck ones first (longest stuck first), then by name. */
  list(now = Date.now()): LearnerSummary[] {
    const learners = [...this.#learners.values()];
    const warnings = nameWarnings(learners.map((learner) => learner.name));
    const rows = learners.map((learner, index) => ({
      ...summarize(learner, now),
      nameWarning: warnings[index] ?? null,
    }));
    return sortLearners(rows, 'stuck');
  }
}

function keyOf(result: { lab: string; check: string }): string {
  return `${result.lab}/${result.check}`;
}

function summarize(learner: Learner, now: number): Omit<LearnerSummary, 'nameWarning'> {
  let latest: CheckState | undefined;
  let passed = 0;
  for (const state of learner.checks.values()) {
    if (state.status === 'pass') passed += 1;
    if (!latest || state.at >= latest.at) latest = state;
  }
  const stuckSince = latest?.status === 'pass' ? undefined : latest?.failingSince;
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
            minutes: Math.max(0, Math.floor((now - stuckSince) / 60_000)),
          }
        : null,
    lastSeen: new Date(learner.lastSeen).toISOString(),
  };
}
