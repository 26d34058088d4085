/**
 * How much one source address may ask of the hub: new learners (joins) and reports, each a token
 * bucket that refills with time. A room of laptops is a room of addresses, each with one learner
 * and a report per check; one client inventing learner ids or flooding reports runs dry and is
 * answered 429 `rate-limited` before its body is read.
 */
export interface Rate {
  /** What a source may spend at once. */
  burst: number;
  /** What comes back per second. */
  perSecond: number;
}

export const SourceRates = {
  /** New learner ids per address: a laptop has one; a few for a shared machine. */
  joins: { burst: 10, perSecond: 1 / 6 },
  /** Reports per address: a learner's runner sends one per check, and a backlog after an outage. */
  reports: { burst: 120, perSecond: 20 },
} as const satisfies Record<string, Rate>;

/** Sources remembered at most; past it, the fullest buckets (idle sources) are forgotten. */
const maxSources = 20_000;

class Bucket {
  readonly rate: Rate;
  #tokens: number;
  #at: number;
  constructor(rate: Rate, now: number) {
    this.rate = rate;
    this.#tokens = rate.burst;
    this.#at = now;
  }

  /** Takes one if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Seconds until one is back. */
  wait(now: number): number {
    this.#refill(now);
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.rate.perSecond));
  }

  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.rate.burst;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(
      this.rate.burst,
      this.#tokens + ((now - this.#at) / 1000) * this.rate.perSecond,
    );
    this.#at = now;
  }
}

export class SourceLimits {
  #sources = new Map<string, { joins: Bucket; reports: Bucket }>();
  #rates: { joins: Rate; reports: Rate };

  constructor(rates: { joins: Rate; reports: Rate } = SourceRates) {
    this.#rates = rates;
  }

  #of(source: string, now: number) {
    let found = this.#sources.get(source);
    if (!found) {
      if (this.#sources.size >= maxSources)
        for (const [key, buckets] of this.#sources)
          if (buckets.joins.full(now) && buckets.reports.full(now)) this.#sources.delete(key);
      found = {
        joins: new Bucket(this.#rates.joins, now),
        reports: new Bucket(this.#rates.reports, now),
      };
      this.#sources.set(source, found);
    }
    return found;
  }

  /** Undefined when `source` may send a report now, else the seconds to wait. */
  report(source: string, now = Date.now()): number | undefined {
    const { reports } = this.#of(source, now);
    return reports.take(now) ? undefined : reports.wait(now);
  }

  /** Undefined when `source` may add a learner now, else the seconds to wait. */
  join(source: string, now = Date.now()): number | undefined {
    const { joins } = this.#of(source, now);
    return joins.take(now) ? undefined : joins.wait(now);
  }
}
