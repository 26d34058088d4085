import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnRunner } from '../tests/servers.ts';
import { root } from './our-runner.ts';
import { cpuTicks, rssBytes, waitFor, type Scope } from './scope.ts';

/**
 * A room on loopback: the instructor's runner started with `--hub` (its own process, as
 * `npm start -- --hub` starts it), a room of simulated learners each sending a verdict every few
 * seconds as a learner's runner does (one connection per report, the join token in the path), and
 * the instructor's table open on `/api/events`. Every report's time from being sent to the table
 * showing it is measured, with the hub process's memory and CPU.
 */

export interface ClassroomOptions {
  learners: number;
  /** How long the learners keep reporting. */
  seconds: number;
  /** Each learner's wait between two reports: uniform in [min, max] ms. */
  intervalMs: [number, number];
  /** The book build the instructor's runner serves. */
  dist: string;
  log: (message: string) => void;
}

export interface ClassroomRun {
  learners: number;
  seconds: number;
  /** Reports sent, and those the hub acknowledged with a 2xx. */
  sent: number;
  stored: number;
  /** ms from sending each report to the table event showing it; one per report shown. */
  toTable: number[];
  /** Reports the table never showed, and learners it did not list at the end. */
  neverShown: number;
  learnersListed: number;
  /**
   * Acknowledged reports missing from the hub's database after the run (read in it), and
   * learners whose last acknowledged check the CSV export does not show as their latest.
   */
  missingInDatabase?: number;
  missingInCsv?: number;
  /** Bytes the table's event stream carried over the run. */
  tableBytes?: number;
  /** The instructor's health while another hub is flooded from one address. */
  flood?: FloodRun;
  /** Bytes of the hub process's RSS: before the room, and its peak in each half of the minute. */
  rssBefore: number;
  rssPeakFirstHalf: number;
  rssPeakSecondHalf: number;
  /** CPU seconds the hub process used over the run, per second of the run (1 = one core busy). */
  cpuShare: number;
}

/** When each learner's reports were sent and shown, matched from the table's events. */
export class ReportClock {
  #sent = new Map<string, number[]>();
  #shownUpTo = new Map<string, number>();
  readonly toTable: number[] = [];

  /** Report `seq` (0, 1, …, in order) of learner `id` left at `at` ms. */
  sent(id: string, seq: number, at: number): void {
    const times = this.#sent.get(id) ?? [];
    times[seq] = at;
    this.#sent.set(id, times);
  }

  /**
   * A table event at `at` ms shows learner `id`'s latest check as `step-<seq>`: that report and
   * every earlier one of the learner are on the table now.
   */
  shown(id: string, latestCheck: string, at: number): void {
    const seq = Number(/^step-(\d+)$/.exec(latestCheck)?.[1] ?? NaN);
    if (!Number.isInteger(seq)) return;
    const times = this.#sent.get(id) ?? [];
    const from = (this.#shownUpTo.get(id) ?? -1) + 1;
    for (let i = from; i <= seq && i < times.length; i++) {
      const sentAt = times[i];
      if (sentAt !== undefined) this.toTable.push(Math.max(0, at - sentAt));
    }
    if (seq >= from) this.#shownUpTo.set(id, Math.min(seq, times.length - 1));
  }

  /** Reports sent that no table event has shown. */
  unshown(): number {
    let count = 0;
    for (const [id, times] of this.#sent) {
      const upTo = this.#shownUpTo.get(id) ?? -1;
      for (let i = upTo + 1; i < times.length; i++) if (times[i] !== undefined) count += 1;
    }
    return count;
  }
}

/**
 * Splits a text/event-stream into the data of its `rows` events (the whole table) and `delta`
 * events (the rows that changed), as they complete: each as the rows it carries.
 */
export class RowsEvents {
  #buffer = '';

  push(chunk: string): string[] {
    this.#buffer += chunk;
    const events: string[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const lines = block.split('\n');
      if (!lines.includes('event: rows') && !lines.includes('event: delta')) continue;
      events.push(
        lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n'),
      );
    }
    return events;
  }
}

/**
 * Each simulated learner's own loopback address (Linux routes all of 127.0.0.0/8 to lo), as each
 * laptop of a room has its own: the hub limits what one address may send.
 */
export const learnerAddress = (n: number) => `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;

function post(url: URL, body: string, localAddress?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        ...(localAddress ? { localAddress } : {}),
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** CPU seconds a process has used: /proc counts them in ticks of 1/100 s (USER_HZ). */
const cpuSeconds = (pid: number) => cpuTicks(pid) / 100;

const learnerId = (n: number) => `bench-learner-${String(n).padStart(6, '0')}`;

/** The instructor's runner with --hub, in its own process, in a fresh workspace. */
async function startInstructor(scope: Scope, dist: string) {
  const home = scope.tempDir('istio-lab-bench-hub-');
  const instructor = spawnRunner({
    home,
    dist,
    labs: [`${root}tests/fixtures/labs`, `${root}bench/labs`],
    extraArgs: ['--hub', '--hub-port', '0', '--hub-host', '127.0.0.1'],
  });
  scope.defer('stop the hub', instructor.stop);
  const runner = await instructor.started;
  const printed = await waitFor('the hub to print its links', () => {
    const text = instructor.output();
    // The view link names the table's own origin (<id>.localhost), which this process does not
    // resolve: a program reads the table at 127.0.0.1 of the same port.
    const view =
      /Instructor hub:[^\n]*\n\n {2}http:\/\/[0-9a-f]{16}\.localhost:(\d+\/#token=\S+)/.exec(text);
    const join = /--report-to (\S+) --name/.exec(text);
    return view?.[1] && join?.[1]
      ? { view: new URL(`http://127.0.0.1:${view[1]}`), join: join[1] }
      : undefined;
  });
  return {
    home,
    runner,
    printed,
    pid: instructor.child.pid ?? 0,
    viewToken: new URLSearchParams(printed.view.hash.slice(1)).get('token') ?? '',
    reportUrl: new URL(`${printed.join.replace(/\/$/, '')}/report`),
  };
}

/** A hub flooded from one address while the instructor's own runner is asked for its health. */
export interface FloodRun {
  seconds: number;
  /** Reports the flood sent, and how many the hub took (2xx) and refused as too many (429). */
  sent: number;
  accepted: number;
  limited: number;
  /** ms of each `GET /api/health` of the instructor's runner, one every 50 ms. */
  health: number[];
}

export async function measureFlood(
  scope: Scope,
  options: { dist: string; seconds: number; log: (message: string) => void },
): Promise<FloodRun> {
  const { runner, reportUrl } = await startInstructor(scope, options.dist);
  options.log(
    `one address floods a hub for ${options.seconds} s, the instructor's health asked...`,
  );
  const deadline = performance.now() + options.seconds * 1000;
  let sent = 0;
  let accepted = 0;
  let limited = 0;
  // Sixty-four connections at once, each a new invented learner with a full report.
  const flooder = async (lane: number) => {
    for (let n = 0; performance.now() < deadline; n++) {
      const body = JSON.stringify({
        name: `Flood ${lane}`,
        learner: `flood-${String(lane).padStart(3, '0')}-${String(n).padStart(9, '0')}`,
        results: Array.from({ length: 100 }, (_, index) => ({
          lab: 'room',
          check: `step-${index}`,
          status: 'fail',
          at: new Date().toISOString(),
          attempts: 1,
        })),
      });
      sent += 1;
      const status = await post(reportUrl, body);
      if (status >= 200 && status < 300) accepted += 1;
      else if (status === 429) limited += 1;
    }
  };
  const health: number[] = [];
  const prober = async () => {
    const url = new URL('api/health', runner.url);
    while (performance.now() < deadline) {
      const started = performance.now();
      const answer = await fetch(url, { headers: { Authorization: `Bearer ${runner.token}` } });
      await answer.arrayBuffer();
      health.push(performance.now() - started);
      await sleep(50);
    }
  };
  await Promise.all([prober(), ...Array.from({ length: 64 }, (_, lane) => flooder(lane))]);
  return { seconds: options.seconds, sent, accepted, limited, health };
}

export async function measureClassroom(
  scope: Scope,
  options: ClassroomOptions,
): Promise<ClassroomRun> {
  const { log } = options;
  const { home, printed, pid, viewToken, reportUrl } = await startInstructor(scope, options.dist);
  await sleep(1000);
  const rssBefore = rssBytes(pid);

  // The instructor's table, live.
  const clock = new ReportClock();
  const events = new RowsEvents();
  const table = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(new URL('/api/events?lang=en', printed.view), {
      headers: { Authorization: `Bearer ${viewToken}` },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  if (table.statusCode !== 200) throw new Error(`the table answered ${table.statusCode}`);
  scope.defer('close the table', () => {
    table.destroy();
  });
  table.setEncoding('utf8');
  let tableBytes = 0;
  table.on('data', (chunk: string) => {
    const at = performance.now();
    tableBytes += Buffer.byteLength(chunk);
    for (const data of events.push(chunk)) {
      // The latest check by its id (`lab/check`): the row words it as the book does.
      const view = JSON.parse(data) as { rows: { id: string; checkId: string }[] };
      for (const row of view.rows) clock.shown(row.id, row.checkId.split('/')[1] ?? '', at);
    }
  });

  log(
    `a room of ${options.learners} learners reporting for ${options.seconds} s, the table open...`,
  );
  const started = performance.now();
  const cpuAtStart = cpuSeconds(pid);
  const deadline = started + options.seconds * 1000;
  const half = started + (options.seconds * 1000) / 2;
  let rssPeakFirstHalf = 0;
  let rssPeakSecondHalf = 0;
  const sampler = setInterval(() => {
    const rss = rssBytes(pid);
    if (performance.now() < half) rssPeakFirstHalf = Math.max(rssPeakFirstHalf, rss);
    else rssPeakSecondHalf = Math.max(rssPeakSecondHalf, rss);
  }, 250);
  scope.defer('stop sampling the hub', () => clearInterval(sampler));

  let sent = 0;
  let stored = 0;
  /** Each learner's acknowledged reports, by sequence number. */
  const acknowledged = new Map<string, number[]>();
  const [low, high] = options.intervalMs;
  const learner = async (n: number) => {
    const id = learnerId(n);
    // Learners arrive over the first interval, not all in the same millisecond.
    await sleep(Math.random() * high);
    for (let seq = 0; performance.now() < deadline; seq++) {
      const body = JSON.stringify({
        name: `Learner ${n}`,
        learner: id,
        results: [
          {
            lab: 'room',
            check: `step-${seq}`,
            status: seq % 4 === 3 ? 'fail' : 'pass',
            at: new Date().toISOString(),
            attempts: 1,
          },
        ],
      });
      clock.sent(id, seq, performance.now());
      sent += 1;
      const status = await post(reportUrl, body, learnerAddress(n));
      if (status >= 200 && status < 300) {
        stored += 1;
        acknowledged.set(id, [...(acknowledged.get(id) ?? []), seq]);
      }
      await sleep(low + Math.random() * (high - low));
    }
  };
  await Promise.all(Array.from({ length: options.learners }, (_, n) => learner(n)));
  const elapsed = (performance.now() - started) / 1000;
  const cpuShare = (cpuSeconds(pid) - cpuAtStart) / elapsed;
  clearInterval(sampler);
  // The last reports reach the table with the next push.
  await waitFor('the table to show the last reports', () =>
    clock.unshown() === 0 ? true : undefined,
  ).catch(() => undefined);
  const listed = await fetch(new URL('/api/learners', printed.view), {
    headers: { Authorization: `Bearer ${viewToken}` },
  });
  const learnersListed = ((await listed.json()) as { learners: unknown[] }).learners.length;
  table.destroy();

  // Every acknowledged report in the database, read by a connection of its own as the hub runs,
  // and each learner's last acknowledged check as their latest in the CSV export.
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(home, 'hub.sqlite'), { readOnly: true });
  const kept = new Set(
    (
      db.prepare("SELECT learner, check_id FROM checks WHERE lab = 'room'").all() as Array<{
        learner: string;
        check_id: string;
      }>
    ).map((row) => `${row.learner}/${row.check_id}`),
  );
  db.close();
  let missingInDatabase = 0;
  for (const [id, seqs] of acknowledged)
    for (const seq of seqs) if (!kept.has(`${id}/step-${seq}`)) missingInDatabase += 1;
  const csv = await (
    await fetch(new URL('/api/learners.csv?lang=en', printed.view), {
      headers: { Authorization: `Bearer ${viewToken}` },
    })
  ).text();
  const latestInCsv = new Map(
    csv
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(','))
      // The last column is the latest check's id, `lab/check`.
      .map((fields) => [fields[0] ?? '', (fields.at(-1) ?? '').split('/')[1] ?? '']),
  );
  let missingInCsv = 0;
  for (const [id, seqs] of acknowledged) {
    const name = `Learner ${Number(id.slice(-6))}`;
    if (latestInCsv.get(name) !== `step-${seqs[seqs.length - 1]}`) missingInCsv += 1;
  }
  return {
    learners: options.learners,
    seconds: options.seconds,
    sent,
    stored,
    toTable: clock.toTable,
    neverShown: clock.unshown(),
    learnersListed,
    missingInDatabase,
    missingInCsv,
    tableBytes,
    rssBefore,
    rssPeakFirstHalf,
    rssPeakSecondHalf,
    cpuShare,
  };
}
