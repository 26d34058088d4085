import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { performanceDocument } from '../../../bench/document.ts';
import type { ClassroomRun } from '../../../bench/classroom.ts';
import type { InterruptRun } from '../../../bench/interrupt.ts';
import { resultRows } from '../../../bench/report.ts';
import type { RestoreRun } from '../../../bench/restore.ts';
import { Targets, type Results, type SystemRuns } from '../../../bench/results.ts';

const mib = 1 << 20;

function interrupts(ms: number[], rssPeaks = ms.map(() => 200 * mib)): InterruptRun[] {
  return ms.map((value, i) => ({
    ms: value,
    rssIdle: 140 * mib,
    rssPeak: rssPeaks[i] ?? 0,
    heapIdle: 6 * mib,
    heapPeak: 30 * mib,
  }));
}

function system(over: Partial<SystemRuns> = {}): SystemRuns {
  return {
    pageThroughput: [9, 10, 11],
    socketThroughput: [62, 64, 66],
    interrupts: interrupts([40, 50, 60]),
    pageEcho: Array.from({ length: 100 }, (_, i) => 1 + i / 100),
    socketEcho: [0.4, 0.5],
    start: [500, 520],
    terminal: 'DOM renderer, 120×30, 10,000 lines of scrollback',
    ...over,
  };
}

const restores = (ms: number[]): RestoreRun[] =>
  ms.map((value) => ({ ms: value, screenMs: value / 3, reloadMs: value + 150, lines: 10_040 }));

/** A run that meets every target, with wetty measured; `over` changes what a test needs. */
function run(over: Partial<Results> = {}): Results {
  return {
    date: '2026-11-22',
    machine: { cpu: 'Test CPU', cores: 2, memory: '24 GiB', os: 'Linux', node: 'v24.0.0' },
    chromium: '156.0',
    commit: 'abc1234',
    repetitions: 3,
    floodBytes: 64 * mib,
    floodSeconds: 4,
    load: 0.5,
    ours: system(),
    oursWebgl: { throughput: [3.5, 4, 4.5], terminal: 'WebGL renderer' },
    wetty: {
      version: '3.2.0',
      runs: system({ pageThroughput: [2, 2.5, 3], interrupts: interrupts([500, 600, 700]) }),
      dom: { throughput: [7, 8, 9], terminal: 'DOM renderer' },
    },
    rawPty: [70, 75, 80],
    check: [12, 13, 14],
    bareSpawn: [11, 12, 13],
    restore: { pause: restores([140, 150, 160]), 'at once': restores([190, 200, 900]) },
    weight: {
      bare: { files: 11, bytes: 100_000, gzipBytes: 36 * 1024 },
      readOnly: { files: 13, bytes: 110_000, gzipBytes: 38 * 1024 },
      withRunner: { files: 14, bytes: 400_000, gzipBytes: 120 * 1024 },
    },
    build: [8000, 8100],
    ...over,
  };
}

const row = (results: Results, key: string) => {
  const found = resultRows(results).find((r) => r.key === key);
  assert.ok(found, `a ${key} row`);
  return found;
};

/** The page's prose is wrapped: one space for every run of white space. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('bench report', () => {
  it('judges every target of a good run as met, and says so', () => {
    const results = run();
    const judged = resultRows(results).filter((r) => r.met !== undefined);
    assert.deepEqual(
      judged.filter((r) => !r.met).map((r) => r.key),
      [],
    );
    assert.ok(judged.length >= 9, `${judged.length} targets judged`);
    assert.match(performanceDocument(results), /Every target was met in this run\./);
  });

  it('judges the restore on the reloads after a pause; the reloads at once have no target', () => {
    const slowPause = run({
      restore: { pause: restores([240, 260, 270]), 'at once': restores([100, 110, 120]) },
    });
    assert.equal(row(slowPause, 'restore').met, false);
    assert.equal(row(slowPause, 'restore').ours, '260 ms (240–270)');
    assert.equal(row(slowPause, 'restoreAtOnce').met, undefined);
    const document = flat(performanceDocument(slowPause));
    assert.match(document, /## Targets missed and why/);
    assert.match(document, /Of the 260 ms, the screen message after 86\.7 ms\./);
    assert.match(document, /screen message after 86\.7 ms \| ≤ 250 ms/, 'no rows message sent');
    const withRows = run({
      restore: {
        pause: restores([240, 260, 270]).map((restore) => ({ ...restore, visibleMs: 40 })),
        'at once': restores([100, 110, 120]),
      },
    });
    const rowsSent = flat(performanceDocument(withRows));
    assert.match(rowsSent, /Of the 260 ms, the rows message after 40 ms and the screen message/);
    assert.match(rowsSent, /rows after 40 ms, screen message after 86\.7 ms \| ≤ 250 ms/);
    assert.equal(row(run(), 'restoreAtOnce').met, undefined, 'a 900 ms reload at once judged');
  });

  it('gives a check overhead below zero with a minus sign, not as +-', () => {
    assert.equal(row(run(), 'checkOverhead').comparison, '+1 ms median');
    const faster = run({ check: [10, 11, 12], bareSpawn: [14, 15, 16] });
    assert.equal(row(faster, 'checkOverhead').comparison, '−4 ms median');
    assert.equal(row(faster, 'checkOverhead').met, true);
  });

  it('holds each target at its bound: met on it, missed just past it', () => {
    const at = (ms: number) => run({ ours: system({ interrupts: interrupts([ms, ms, ms]) }) });
    assert.equal(row(at(Targets.interruptMs), 'interrupt').met, true);
    assert.equal(row(at(Targets.interruptMs + 1), 'interrupt').met, false);
    const share = (mibs: number) => run({ ours: system({ socketThroughput: [mibs] }) });
    assert.equal(row(share(60), 'socketThroughput').met, true, '60 of 75 is 80%');
    assert.equal(row(share(59.9), 'socketThroughput').met, false);
    const grown = run({
      ours: system({ interrupts: interrupts([50, 50], [200 * mib, 200 * mib + (17 << 20)]) }),
    });
    assert.equal(row(grown, 'floodRss').met, false, 'memory that climbs is not bounded');
    const peak = (bytes: number) =>
      run({ ours: system({ interrupts: interrupts([50, 50], [100 * mib, bytes]) }) });
    assert.equal(row(peak(Targets.floodRssPeakBytes), 'rssPeak').met, true);
    assert.equal(row(peak(Targets.floodRssPeakBytes + 1), 'rssPeak').met, false);
    const idle = (bytes: number) =>
      run({
        ours: system({
          interrupts: interrupts([50]).map((one) => ({ ...one, rssIdle: bytes })),
        }),
      });
    assert.equal(row(idle(Targets.idleRssBytes), 'rssIdle').met, true);
    assert.equal(row(idle(Targets.idleRssBytes + 1), 'rssIdle').met, false);
  });

  it('compares each renderer with wetty on the same renderer', () => {
    const results = run();
    assert.equal(row(results, 'pageThroughputWebgl').comparison, '1.6× wetty');
    assert.equal(row(results, 'pageThroughputDom').comparison, '1.25× wetty');
    const slow = run({ oursWebgl: { throughput: [2.9], terminal: 'WebGL renderer' } });
    assert.equal(row(slow, 'pageThroughputWebgl').met, false, '1.16× is short of 1.2×');
    const withoutWebgl = run();
    delete withoutWebgl.oursWebgl;
    assert.ok(!resultRows(withoutWebgl).some((r) => r.key === 'pageThroughputWebgl'));
  });

  it('says how much of the flood our page was sent, per renderer, and nothing when it was not counted', () => {
    const counted = run({
      ours: system({ pageBytes: [1 * mib, 1.5 * mib, 2 * mib] }),
      oursWebgl: { throughput: [4], terminal: 'WebGL renderer', pageBytes: [0.5 * mib] },
    });
    const sent = row(counted, 'pageBytes');
    assert.equal(sent.ours, 'DOM 1.5 MiB (1–2); WebGL 0.5 MiB');
    assert.equal(sent.comparison, '2% of the flood');
    assert.equal(sent.met, undefined, 'no target');
    assert.match(sent.reference, /10,000 lines/);
    const missed = run({
      ours: system({ pageThroughput: [8], pageBytes: [16 * mib] }),
      wetty: { version: '3.2.0', runs: system(), dom: { throughput: [8], terminal: 'DOM' } },
    });
    assert.match(flat(performanceDocument(missed)), /our page was sent 25% of the flood/);
    assert.ok(!resultRows(run()).some((r) => r.key === 'pageBytes'));
  });

  it('shows what the memory measures save, lean against plain, only where they were measured', () => {
    const many = (peak: number) => ({
      terminals: 8,
      bytes: 16 * mib,
      rssBefore: 90 * mib,
      rssPeak: peak * mib,
      rssAfter: 150 * mib,
      afterMs: 10_000,
      bound: 200 * mib,
      floodMs: 5000,
    });
    const probe = (young: number) => ({
      youngBefore: mib,
      youngAfter: young * mib,
      serializedHeapTotal: 14 * mib,
      serializedHeapUsed: 11 * mib,
      asleepHeapTotal: 10 * mib,
      asleepHeapUsed: 7 * mib,
      copyChars: 1.5 * mib,
    });
    const measured = run({
      manyTerminals: { ours: many(190) },
      memoryMeasures: {
        probe: { lean: probe(2), plain: probe(64) },
        many: { plain: many(300), plainWithMalloc: many(260) },
      },
    });
    const runner = row(measured, 'memoryMany');
    assert.match(runner.ours, /^peak 190 MiB/);
    assert.match(runner.reference, /^plain: peak 300 MiB/);
    assert.match(runner.comparison, /malloc's settings alone: peak 260 MiB/);
    assert.equal(row(measured, 'memoryYoung').reference, 'plain: 64 MiB');
    assert.equal(row(measured, 'memoryCopy').met, undefined, 'no target: what they save is shown');
    assert.ok(!resultRows(run()).some((r) => r.key.startsWith('memory')));
  });

  it('without wetty, judges no ratio against it and still writes the page', () => {
    const alone = run({ wetty: { error: 'the npm registry could not be reached' } });
    assert.equal(row(alone, 'pageThroughput').met, undefined);
    assert.equal(row(alone, 'pageThroughput').wetty, '—');
    assert.ok(!resultRows(alone).some((r) => r.key === 'pageThroughputDom'));
    assert.match(performanceDocument(alone), /not run: the npm registry could not be reached/);
  });

  it("says why a missed target was missed, with the run's own numbers", () => {
    const missed = run({ ours: system({ socketThroughput: [30] }) });
    assert.equal(row(missed, 'socketThroughput').met, false);
    const document = flat(performanceDocument(missed));
    assert.match(document, /Throughput, pty → socket, no browser\*\* \(≥ 80% of raw; measured 30/);
    assert.match(
      document,
      /Even wetty, which forwards bytes and keeps nothing, reaches 85% here\./,
    );
    assert.doesNotMatch(document, /not yet investigated/);
  });

  it("names the kernel's memory monitor on the machine, and what it took from a missed echo", () => {
    const slowEcho = system({ pageEcho: [...system().pageEcho, 30, 30] });
    const monitor = { operations: 'paddr', sampleMs: 500, cpuMs: 600, wallMs: 20_000 };
    const watched = run({
      ours: slowEcho,
      machine: { ...run().machine, memoryMonitors: [monitor] },
    });
    assert.equal(row(watched, 'pageEcho').met, false);
    const document = flat(performanceDocument(watched));
    assert.match(
      document,
      /\| Kernel's memory monitor \| DAMON \(kdamond\) on all physical memory/,
    );
    assert.match(document, /woke every 500 ms and took one of the 2 cores for about 15 ms of CPU/);
    const unwatched = flat(performanceDocument(run({ ours: slowEcho })));
    assert.ok(!unwatched.includes("| Kernel's memory monitor |"), 'a monitor row with none found');
    assert.ok(!/DAMON thread woke/.test(unwatched), 'a monitor blamed with none found');
    assert.match(unwatched, /a p99 over the target means the page or the runner waited for a core/);
  });

  it("shows a room measured apart instead of the run's own, so that --render keeps it", () => {
    const room = (rssPeakSecondHalf: number): ClassroomRun => ({
      learners: 200,
      seconds: 60,
      sent: 4000,
      stored: 4000,
      toTable: [150, 200, 250],
      neverShown: 0,
      learnersListed: 200,
      rssBefore: 90 * mib,
      rssPeakFirstHalf: 96 * mib,
      rssPeakSecondHalf,
      cpuShare: 0.2,
    });
    /** The page's classroom section alone. */
    const section = (results: Results) => {
      const page = flat(performanceDocument(results));
      const start = page.indexOf('## A classroom');
      assert.ok(start >= 0, 'a classroom section');
      return page.slice(start, page.indexOf('## ', start + 3));
    };
    const same = section(run({ classroom: room(173 * mib) }));
    assert.match(same, /Measured in the same run\./);
    assert.match(same, /173 MiB/);
    const apart = section(
      run({
        classroom: room(173 * mib),
        classroomApart: { run: room(111 * mib), measured: 'Measured apart, on 2026-12-06.' },
      }),
    );
    assert.match(apart, /Measured apart, on 2026-12-06\./);
    assert.match(apart, /111 MiB/);
    assert.doesNotMatch(apart, /Measured in the same run|173 MiB/);
  });

  it('--render writes the page again from the results a run kept, and refuses what is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-render-'));
    try {
      const out = join(dir, 'performance.md');
      const bench = (...args: string[]) =>
        spawnSync(
          process.execPath,
          [
            new URL('../../../bench/run.ts', import.meta.url).pathname,
            '--render',
            '--out',
            out,
            ...args,
          ],
          { encoding: 'utf8' },
        );
      const missing = bench();
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /performance\.json, which a full run writes \(npm run bench\)/);
      writeFileSync(join(dir, 'performance.json'), JSON.stringify({ date: '2026-11-22' }));
      const partial = bench();
      assert.equal(partial.status, 2);
      assert.match(
        partial.stderr,
        /not the results of a full run \(no machine, ours, wetty, restore\)/,
      );
      writeFileSync(join(dir, 'performance.json'), JSON.stringify(run()));
      const done = bench();
      assert.equal(done.status, 0, done.stderr);
      const page = readFileSync(out, 'utf8');
      assert.match(flat(page), /\| Book \| abc1234 \|/);
      assert.match(page, /## Results/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
