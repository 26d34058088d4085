import { ErrorCode } from '../../../src/lib/error-codes.ts';
import type { CheckStatus } from '../../../src/lib/protocol.ts';
import { displayName, HubLimits, type Report } from './report.ts';

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

  /** `startedAt`: when the hub started; no reported time is taken as earlier. */
  constructor(startedAt = Number.NEGATIVE_INFINITY) {
    this.#startedAt = startedAt;
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
    return rows.sort(
      (a, b) =>
        (a.stuck ? 0 : 1) - (b.stuck ? 0 : 1) ||
        (a.stuck && b.stuck ? a.stuck.since.localeCompare(b.stuck.since) : 0) ||
        a.name.localeCompare(b.name) ||
        a.id.localeCompare(b.id),
    );
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

export type NameWarning = 'same' | 'looksLike' | 'mixed';

/**
 * Letters of other alphabets that are drawn like Latin ones, mapped to them: enough to see that
 * "Аda" (Cyrillic А) is posing as "Ada". Not all of Unicode's confusables; the common ones.
 */
const lookAlikes: Record<string, string> = Object.fromEntries(
  [
    ['аɑα', 'a'],
    ['вβ', 'b'],
    ['сϲ', 'c'],
    ['ԁ', 'd'],
    ['еε', 'e'],
    ['һ', 'h'],
    ['іιӏ', 'i'],
    ['ј', 'j'],
    ['κк', 'k'],
    ['м', 'm'],
    ['пη', 'n'],
    ['оο', 'o'],
    ['рρ', 'p'],
    ['ԛ', 'q'],
    ['ѕ', 's'],
    ['тτ', 't'],
    ['υս', 'u'],
    ['ѵν', 'v'],
    ['ԝω', 'w'],
    ['хχ', 'x'],
    ['уγ', 'y'],
    ['ᴢ', 'z'],
  ].flatMap(([from = '', to = '']) => [...from].map((letter) => [letter, to])),
);

/** A name reduced to how it looks: case folded, look-alike letters replaced by Latin ones. */
function skeleton(name: string): string {
  return [...name.normalize('NFKC').toLocaleLowerCase('en')]
    .map((letter) => lookAlikes[letter] ?? letter)
    .join('');
}

/** The alphabets whose letters are easily taken for one another. */
const confusableScripts = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

/** Whether one word holds letters of two of those alphabets ("Аda", not "Ada Иванова"). */
function mixesScripts(name: string): boolean {
  return name.split(/\s+/u).some((word) => {
    const scripts = confusableScripts.filter((script) => script.test(word));
    return scripts.length > 1;
  });
}

/** For each name, in order, why it deserves a second look, or null. */
export function nameWarnings(names: readonly string[]): (NameWarning | null)[] {
  const count = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return (key: string) => counts.get(key) ?? 0;
  };
  const exact = names.map((name) => name.normalize('NFKC').toLocaleLowerCase('en'));
  const looks = names.map(skeleton);
  const exactCount = count(exact);
  const looksCount = count(looks);
  return names.map((name, index) => {
    if (exactCount(exact[index] ?? '') > 1) return 'same';
    if (looksCount(looks[index] ?? '') > 1) return 'looksLike';
    if (mixesScripts(name)) return 'mixed';
    return null;
  });
}
