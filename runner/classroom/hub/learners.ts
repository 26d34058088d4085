import type { CheckStatus } from '../../../src/lib/protocol.ts';
import { HubLimits, type Report } from './report.ts';

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
  { ok: true } | { ok: false; status: 400 | 429; code: string; message: string };

/**
 * The hub's memory: learners and their latest result per check. Times come from the learners'
 * clocks (a result reported after an outage keeps the time it ran), clamped to the hub's present
 * so a fast clock cannot make a learner look stuck for a negative time.
 */
export class HubLearners {
  #learners = new Map<string, Learner>();

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
          code: 'hub-full',
          message: `the hub already follows ${HubLimits.learners} learners`,
        };
      learner = { id: report.learner, name: '', lastSeen: now, checks: new Map() };
    }
    const added = new Set(report.results.map(keyOf).filter((key) => !learner.checks.has(key))).size;
    if (learner.checks.size + added > HubLimits.checksPerLearner)
      return {
        ok: false,
        status: 400,
        code: 'too-many-checks',
        message: `a learner may report at most ${HubLimits.checksPerLearner} distinct checks`,
      };
    this.#learners.set(learner.id, learner);
    learner.name = report.name.trim();
    learner.lastSeen = now;
    const results = report.results
      .map((result) => ({ ...result, at: Math.min(Date.parse(result.at), now) }))
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
    const rows = [...this.#learners.values()].map((learner) => summarize(learner, now));
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

function summarize(learner: Learner, now: number): LearnerSummary {
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
