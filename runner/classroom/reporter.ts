import { errorMessage } from '../../src/lib/wire/error-codes.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubLimits, type Report, type ReportedResult } from './hub/report.ts';
import type { HubStatus } from '../../src/lib/wire/hub-status.ts';
import type { ProgressEntry } from '../../src/lib/wire/progress.ts';
import type { ProgressStore } from '../checks/progress.ts';
import { log as runnerLog } from '../log.ts';
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
  /** What goes well again (the hub reached, room made). @default the runner's log at info */
  log?: (message: string) => void;
  /**
   * What the learner must know or act on: the hub cannot be reached, is full, does not know the
   * join link, cannot save, or refuses results. @default `log` if given (a test keeps every line in
   * one list), else the runner's log at warn
   */
  warn?: (message: string) => void;
  /**
   * Delays between attempts while the hub cannot be reached: a step doubling from the first to
   * the cap, each wait a random part of its step (`jittered`).
   * @default { firstMs: 1000, maxMs: 30_000 }
   */
  retry?: { firstMs: number; maxMs: number };
  /**
   * While the hub can be reached and nothing else is sent, a report with no result goes at most
   * this long after the last one (`jittered`, so a room does not beat together): the instructor's
   * "last seen", which reads in whole minutes, shows a connected learner as seen just now.
   * @default 40_000
   */
  heartbeatMs?: number;
}

export interface Reporter {
  /**
   * Resolves when every result so far has reached the hub and no report (a heartbeat) is on its
   * way, or reporting has stopped.
   */
  idle(): Promise<void>;
  /** The hub as its latest answer showed it, for the learner's page (src/lib/wire/hub-status.ts). */
  status(): HubStatus;
  stop(): void;
}

/** A random value kept in the workspace (mode 0600), made the first time it is asked for. */
function kept(workspace: Workspace, name: string, pattern: RegExp, bytes: number): string {
  const file = join(workspace.root, name);
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (pattern.test(value)) return value;
  } catch {
    // None yet: this workspace has never joined a hub.
  }
  const fresh = randomBytes(bytes).toString('base64url');
  writeAtomic(file, `${fresh}\n`, 0o600);
  return fresh;
}

/** The learner id: random, kept in the workspace so that a restarted runner is the same learner. */
export function learnerId(workspace: Workspace): string {
  return kept(workspace, 'hub-learner-id', /^[A-Za-z0-9_-]{16,64}$/, 16);
}

/**
 * The learner's secret, kept beside the id: the hub binds the id to the first secret it sees, so
 * that nobody else in the room can report as this learner.
 */
export function learnerSecret(workspace: Workspace): string {
  return kept(workspace, 'hub-learner-secret', /^[A-Za-z0-9_-]{22,64}$/, 24);
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
  const log = options.log ?? ((message: string) => runnerLog.info(message));
  const warn = options.warn ?? options.log ?? ((message: string) => runnerLog.warn(message));
  const { firstMs, maxMs } = options.retry ?? { firstMs: 1000, maxMs: 30_000 };
  const heartbeatMs = options.heartbeatMs ?? 40_000;
  const endpoint = `${options.joinUrl.replace(/\/+$/, '')}/report`;
  const learner = learnerId(options.workspace);
  const secret = learnerSecret(options.workspace);
  /** What the log has said about the hub's answers, so that each is said once. */
  const said = new Set<number>();
  const sayOnce = (status: number, message: string) => {
    if (said.has(status)) return;
    said.add(status);
    warn(message);
  };
  const name = options.name.trim();
  /** Latest unsent result per check: a newer verdict replaces an unsent older one. */
  const pending = new Map<string, ReportedResult>();
  // The first report goes even with no results: the instructor sees the learner join.
  let greeted = false;
  let sending = false;
  let stopped = false;
  let delay = 0;
  let timer: NodeJS.Timeout | undefined;
  /** The next heartbeat, armed after each report the hub took. */
  let beat: NodeJS.Timeout | undefined;
  let outage = false;
  let hubStatus: HubStatus = 'ok';
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
    if (stopped || (greeted && pending.size === 0 && !sending)) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  };

  const send = async (): Promise<void> => {
    timer = undefined;
    if (sending || stopped) return;
    clearTimeout(beat);
    beat = undefined;
    sending = true;
    const batch = [...pending.entries()].slice(0, HubLimits.resultsPerReport);
    const body: Report = { name, learner, secret, results: batch.map(([, result]) => result) };
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
        warn(`hub: cannot reach ${new URL(endpoint).host} (${describe(error)}); will keep trying`);
      outage = true;
    }
    sending = false;
    hubStatus =
      status >= 200 && status < 300
        ? 'ok'
        : status === 403
          ? 'full'
          : status === 401
            ? 'unknown-link'
            : status === 503
              ? 'not-saved'
              : status === 409
                ? 'stopped'
                : status === 0
                  ? 'unreachable'
                  : hubStatus;
    if (status >= 200 && status < 300) {
      if (outage) log('hub: reached the hub again; results sent');
      if (said.has(403)) log('hub: the hub has room now; your results are sent');
      said.clear();
      outage = false;
      delay = 0;
      greeted = true;
      // Drop what was sent unless a newer result for the same check arrived meanwhile.
      for (const [key, result] of batch) if (pending.get(key) === result) pending.delete(key);
    } else if (status === 400 || status === 413) {
      // The hub refuses this content for good (a limit): resending it would be refused again.
      warn(
        `hub: the hub refused ${batch.length} result(s) with ${status}; they will not be sent again`,
      );
      greeted = true;
      for (const [key, result] of batch) if (pending.get(key) === result) pending.delete(key);
    } else if (status === 409) {
      warn(
        'hub: the hub knows this learner id under another runner (409): was this workspace copied? ' +
          'Delete hub-learner-id and hub-learner-secret from the workspace and restart to join as yourself. ' +
          'No more reports will be sent.',
      );
      stopped = true;
      unsubscribe();
    } else {
      if (status === 401)
        sayOnce(
          401,
          'hub: the hub does not know this join link (401): it was mistyped, or the hub was reset ' +
            'with new links. Ask the instructor for the join command and restart with it; until then ' +
            'this runner keeps your results and tries again now and then.',
        );
      else if (status === 403)
        sayOnce(
          403,
          'hub: the hub is full: it follows as many learners as the instructor allowed. Ask the ' +
            'instructor to make room (--hub-capacity); your results are kept and sent once there is room.',
        );
      else if (status === 503)
        sayOnce(
          503,
          'hub: the hub cannot save results right now (503); they are kept here and sent again.',
        );
      else if (status !== 0 && !outage) warn(`hub: the hub answered ${status}; will keep trying`);
      if (status !== 0) outage = true;
      // A wrong link or a full room is not over in seconds: try again at the slowest pace.
      delay =
        status === 401 || status === 403 ? maxMs : Math.min(maxMs, delay ? delay * 2 : firstMs);
      timer = setTimeout(() => void send(), jittered(delay));
      settle();
      return;
    }
    settle();
    if (stopped) return;
    if (pending.size > 0 || !greeted) void send();
    else {
      beat = setTimeout(() => void send(), jittered(heartbeatMs));
      beat.unref?.();
    }
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
      stopped || (greeted && pending.size === 0 && !sending)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    status: () => hubStatus,
    stop: () => {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      clearTimeout(beat);
      settle();
    },
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? errorMessage(error);
}
