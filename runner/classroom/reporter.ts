import { errorMessage } from '../../src/lib/error-codes.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubLimits, type Report, type ReportedResult } from './hub/report.ts';
import type { ProgressEntry } from '../../src/lib/progress.ts';
import type { ProgressStore } from '../checks/progress.ts';
import { writeAtomic, type Workspace } from '../workspace.ts';

/**
 * The learner's side of the instructor hub (`--report-to <join link> --name <name>`): sends each
 * check's verdict to the hub, and nothing else (hub/report.ts fixes the fields). It only ever makes
 * requests: it reads the status of the hub's answers and never their bodies, headers or redirects,
 * so nothing the hub says can make this machine do anything. A check never waits for it.
 */
export interface ReporterOptions {
  /** The join link, `http(s)://<hub>/join/<join token>`. */
  joinUrl: string;
  name: string;
  workspace: Workspace;
  progress: ProgressStore;
  log?: (message: string) => void;
  /**
   * Delays between attempts while the hub cannot be reached: a step doubling from the first to
   * the cap, each wait a random part of its step (`jittered`).
   * @default { firstMs: 1000, maxMs: 30_000 }
   */
  retry?: { firstMs: number; maxMs: number };
}

export interface Reporter {
  /** Resolves when every result so far has reached the hub, or reporting has stopped. */
  idle(): Promise<void>;
  stop(): void;
}

/** The learner id: random, kept in the workspace so that a restarted runner is the same learner. */
export function learnerId(workspace: Workspace): string {
  const file = join(workspace.root, 'hub-learner-id');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{16,64}$/.test(kept)) return kept;
  } catch {
    // None yet: this workspace has never joined a hub.
  }
  const fresh = randomBytes(16).toString('base64url');
  writeAtomic(file, `${fresh}\n`, 0o600);
  return fresh;
}

/**
 * The wait before the next attempt: the backoff step less a random part of up to half of it, so
 * that a room of runners that lost the hub together (it restarted) do not all come back at the
 * same moment. Never more than the step, never less than half of it.
 */
export function jittered(step: number, random: () => number = Math.random): number {
  return Math.round(step * (1 - Math.min(Math.max(random(), 0), 1) / 2));
}

export function startReporter(options: ReporterOptions): Reporter {
  const log = options.log ?? ((message: string) => console.log(message));
  const { firstMs, maxMs } = options.retry ?? { firstMs: 1000, maxMs: 30_000 };
  const endpoint = `${options.joinUrl.replace(/\/+$/, '')}/report`;
  const learner = learnerId(options.workspace);
  const name = options.name.trim();
  /** Latest unsent result per check: a newer verdict replaces an unsent older one. */
  const pending = new Map<string, ReportedResult>();
  // The first report goes even with no results: the instructor sees the learner join.
  let greeted = false;
  let sending = false;
  let stopped = false;
  let delay = 0;
  let timer: NodeJS.Timeout | undefined;
  let outage = false;
  let waiters: Array<() => void> = [];

  const queue = (lab: string, check: string, entry: ProgressEntry) =>
    pending.set(`${lab}/${check}`, {
      lab,
      check,
      status: entry.status,
      at: entry.at,
      attempts: entry.attempts,
    });

  const settle = () => {
    if (stopped || (greeted && pending.size === 0)) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };

  const send = async (): Promise<void> => {
    timer = undefined;
    if (sending || stopped) return;
    sending = true;
    const batch = [...pending.entries()].slice(0, HubLimits.resultsPerReport);
    const body: Report = { name, learner, results: batch.map(([, result]) => result) };
    let status = 0;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      // The body is never read: discard it so the connection is freed.
      await response.body?.cancel();
    } catch (error) {
      if (!outage)
        log(`hub: cannot reach ${new URL(endpoint).host} (${describe(error)}); will keep trying`);
      outage = true;
    }
    sending = false;
    if (status >= 200 && status < 300) {
      if (outage) log('hub: reached the hub again; results sent');
      outage = false;
      delay = 0;
      greeted = true;
      // Drop what was sent unless a newer result for the same check arrived meanwhile.
      for (const [key, result] of batch) if (pending.get(key) === result) pending.delete(key);
    } else if (status === 400 || status === 413) {
      // The hub refuses this content for good (a limit): resending it would be refused again.
      log(
        `hub: the hub refused ${batch.length} result(s) with ${status}; they will not be sent again`,
      );
      greeted = true;
      for (const [key, result] of batch) if (pending.get(key) === result) pending.delete(key);
    } else if (status === 401) {
      log(
        'hub: the hub does not know this join link (401): it was mistyped, or the hub was reset ' +
          'with new links. Restart with the join command the instructor gives now. No more reports will be sent.',
      );
      stopped = true;
      unsubscribe();
    } else {
      if (status !== 0 && !outage) log(`hub: the hub answered ${status}; will keep trying`);
      if (status !== 0) outage = true;
      delay = Math.min(maxMs, delay ? delay * 2 : firstMs);
      timer = setTimeout(() => void send(), jittered(delay));
      return;
    }
    settle();
    if (!stopped && (pending.size > 0 || !greeted)) void send();
  };

  const kick = () => {
    if (!sending && !stopped && timer === undefined) timer = setTimeout(() => void send(), 0);
  };

  for (const [lab, checks] of Object.entries(options.progress.snapshot.labs))
    for (const [check, entry] of Object.entries(checks)) queue(lab, check, entry);
  const unsubscribe = options.progress.onRecord((lab, check, entry) => {
    queue(lab, check, entry);
    kick();
  });
  kick();

  return {
    idle: () =>
      stopped || (greeted && pending.size === 0)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    stop: () => {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      settle();
    },
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? errorMessage(error);
}
