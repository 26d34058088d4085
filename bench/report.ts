import {
  formatBytes,
  formatNumber,
  formatRatio,
  formatShare,
  formatSummary,
  markdownTable,
  median,
  percentile,
  summarize,
} from './stats.ts';
import type { RestoreRun } from './restore.ts';
import type { ManyTerminalsRun } from './many-terminals.ts';
import { Targets, visibleTimes, type Results, type SystemRuns } from './results.ts';
import { FlowLimits } from '../src/lib/wire/flow-limits.ts';

/** One line of the results table. `met` is undefined for a row with no target. */
export interface ResultRow {
  key: string;
  measure: string;
  ours: string;
  wetty: string;
  reference: string;
  comparison: string;
  target: string;
  met?: boolean;
}

const none = '—';
const ms = (values: number[]) => formatSummary(summarize(values), 'ms');
const mibs = (values: number[]) => formatSummary(summarize(values), 'MiB/s');
const latency = (values: number[]) =>
  `${formatNumber(percentile(values, 50))} / ${formatNumber(percentile(values, 99))} ms`;

/**
 * Memory during the floods: the peak of the first flood and of the last. A pipeline whose memory
 * is bounded reaches its level in the first flood and stays there; one that leaks climbs.
 */
function memory(runs: SystemRuns['interrupts'], peak: 'rssPeak' | 'heapPeak') {
  const first = runs[0]?.[peak] ?? NaN;
  const last = runs.at(-1)?.[peak] ?? NaN;
  return runs.length > 1
    ? `peak ${formatBytes(first)} in the first flood, ${formatBytes(last)} in the last`
    : `peak ${formatBytes(first)}`;
}

function climb(runs: SystemRuns['interrupts']): number {
  return (runs.at(-1)?.rssPeak ?? 0) - (runs[0]?.rssPeak ?? 0);
}

/** A server's RSS at its highest in any flood. */
function rssPeakOf(runs: SystemRuns): number {
  return Math.max(...runs.interrupts.map((run) => run.rssPeak));
}

/** A server's RSS before each flood (idle, one session), the median over the floods. */
function rssIdleOf(runs: SystemRuns): number {
  return median(runs.interrupts.map((run) => run.rssIdle));
}

/** The runner's RSS at its highest in any flood. */
export function runnerRssPeak(results: Results): number {
  return rssPeakOf(results.ours);
}

/** The runner's RSS before each flood (idle, one session), the median over the floods. */
export function runnerRssIdle(results: Results): number {
  return rssIdleOf(results.ours);
}

/** What our page was sent per flood: with the DOM renderer, and with WebGL where it was measured. */
function sentTo(dom: number[], webgl: number[] | undefined): string {
  const mib = (values: number[]) => formatSummary(summarize(values.map((b) => b / 2 ** 20)), 'MiB');
  return webgl?.length ? `DOM ${mib(dom)}; WebGL ${mib(webgl)}` : mib(dom);
}

/** A server's RSS in the many-terminals run: at its peak, and after the floods. */
function manyRows(results: Results): ResultRow[] {
  const many = results.manyTerminals;
  if (!many) return [];
  const { ours, wetty } = many;
  const after = (run: ManyTerminalsRun) =>
    `${formatBytes(run.rssAfter)} after ${formatNumber(run.afterMs / 1000)} s` +
    (run.settledMs === undefined
      ? ''
      : `; ≤ ${formatBytes(run.bound)} after ${formatNumber(run.settledMs / 1000)} s`);
  const each = `${ours.terminals} terminals, each \`cat\` of ${formatBytes(ours.bytes)} at once`;
  return [
    {
      key: 'manyPeak',
      measure: `Server RSS at its peak, ${each}`,
      ours: formatBytes(ours.rssPeak),
      wetty: wetty ? formatBytes(wetty.rssPeak) : none,
      reference: `the ${ours.terminals} open, before: ${formatBytes(ours.rssBefore)}`,
      comparison:
        `floods over in ${formatNumber(ours.floodMs / 1000)} s` +
        (wetty ? ` (wetty ${formatNumber(wetty.floodMs / 1000)} s)` : ''),
      target: `≤ ${formatBytes(Targets.manyPeakBytes)}`,
      met: ours.rssPeak <= Targets.manyPeakBytes,
    },
    {
      key: 'manyAfter',
      measure: 'Server RSS after those floods ended',
      ours: after(ours),
      wetty: wetty ? after(wetty) : none,
      reference: none,
      comparison: none,
      target: `≤ ${formatBytes(Targets.manyAfterBytes)} within ${formatNumber(Targets.manyAfterMs / 1000)} s`,
      met: ours.settledMs !== undefined && ours.settledMs <= Targets.manyAfterMs,
    },
  ];
}

/**
 * What the memory measures save (bench/memory-measures.ts): the runner lean, as it runs by
 * default, against plain (ISTIO_LAB_MEMORY=plain), and plain with malloc's settings alone.
 */
function memoryMeasureRows(results: Results): ResultRow[] {
  const measures = results.memoryMeasures;
  const lean = results.manyTerminals?.ours;
  if (!measures) return [];
  const { probe, many } = measures;
  const rss = (run: ManyTerminalsRun) =>
    `peak ${formatBytes(run.rssPeak)}, ${formatBytes(run.rssAfter)} after ${formatNumber(run.afterMs / 1000)} s`;
  const heap = (total: number, used: number) =>
    `${formatBytes(total)} (${formatBytes(used)} in use)`;
  const row = (key: string, measure: string, ours: string, plain: string, comparison = none) => ({
    key,
    measure,
    ours,
    wetty: none,
    reference: `plain: ${plain}`,
    comparison,
    target: none,
  });
  return [
    row(
      'memoryMany',
      `Runner RSS, the same ${many.plain.terminals} floods, lean (the rows above) and plain`,
      lean ? rss(lean) : none,
      rss(many.plain),
      `plain with malloc's settings alone: ${rss(many.plainWithMalloc)}`,
    ),
    row(
      'memoryYoung',
      "Main thread's young generation after a churn of short-lived Buffers",
      formatBytes(probe.lean.youngAfter),
      formatBytes(probe.plain.youngAfter),
      `from ${formatBytes(probe.lean.youngBefore)}`,
    ),
    row(
      'memoryWorker',
      "Screens' worker heap after 3 serializations of a full 120×30 screen",
      heap(probe.lean.serializedHeapTotal, probe.lean.serializedHeapUsed),
      heap(probe.plain.serializedHeapTotal, probe.plain.serializedHeapUsed),
    ),
    row(
      'memoryCopy',
      "Screens' worker heap with that screen asleep as its copy",
      heap(probe.lean.asleepHeapTotal, probe.lean.asleepHeapUsed),
      heap(probe.plain.asleepHeapTotal, probe.plain.asleepHeapUsed),
      `a copy of ${formatNumber(probe.lean.copyChars / 2 ** 20)} M characters`,
    ),
  ];
}

/** The results table's rows, each with its target (if any) judged. */
export function resultRows(results: Results): ResultRow[] {
  const { ours } = results;
  const wetty = 'runs' in results.wetty ? results.wetty.runs : undefined;
  const or = (format: (runs: SystemRuns) => string) => (wetty ? format(wetty) : none);
  const raw = median(results.rawPty);
  const pageRatio = wetty ? median(ours.pageThroughput) / median(wetty.pageThroughput) : NaN;
  const dom = 'runs' in results.wetty ? results.wetty.dom : undefined;
  const domRatio = dom ? median(ours.pageThroughput) / median(dom.throughput) : NaN;
  const webgl = results.oursWebgl;
  const webglRatio = webgl && wetty ? median(webgl.throughput) / median(wetty.pageThroughput) : NaN;
  const rssPeak = runnerRssPeak(results);
  const rssIdle = runnerRssIdle(results);
  const socketShare = median(ours.socketThroughput) / raw;
  const interrupt = median(ours.interrupts.map((run) => run.ms));
  const growth = climb(ours.interrupts);
  const echoP99 = percentile(ours.pageEcho, 99);
  const overhead = median(results.check) - median(results.bareSpawn);
  const restore = median(results.restore.pause.map((run) => run.ms));
  const restoreRow = (runs: RestoreRun[]) => ({
    ours: ms(runs.map((run) => run.ms)),
    wetty: 'no restore: a reload starts a new shell',
    reference: `whole reload ${ms(runs.map((run) => run.reloadMs))}`,
    comparison: messageTimes(runs),
  });
  const { bare, readOnly, withRunner } = results.weight;
  const extra = readOnly.gzipBytes - bare.gzipBytes;
  const gzip = (bytes: number) => `${formatNumber(bytes / 1024)} KiB`;
  const signed = (value: number, format = formatNumber) =>
    `${value >= 0 ? '+' : '−'}${format(Math.abs(value))}`;
  const plus = (bytes: number) => signed(bytes, gzip);
  return [
    {
      key: 'pageThroughput',
      measure: `Throughput, pty → xterm rendered in Chromium (${formatBytes(results.floodBytes)})`,
      ours: mibs(ours.pageThroughput),
      wetty: or((runs) => mibs(runs.pageThroughput)),
      reference: `raw pty read ${formatNumber(raw)} MiB/s`,
      comparison: wetty ? `${formatRatio(pageRatio, 1)} wetty` : none,
      target: `≥ ${Targets.pageThroughputRatio}× wetty`,
      ...(wetty ? { met: pageRatio >= Targets.pageThroughputRatio } : {}),
    },
    ...(ours.pageBytes?.length
      ? [
          {
            key: 'pageBytes',
            measure: `Output our page was sent for each ${formatBytes(results.floodBytes)} flood`,
            ours: sentTo(ours.pageBytes, webgl?.pageBytes),
            wetty: none,
            reference: `the page keeps ${FlowLimits.scrollback.toLocaleString('en')} lines of scrollback`,
            comparison: `${formatShare(median(ours.pageBytes), results.floodBytes)} of the flood`,
            target: none,
          },
        ]
      : []),
    ...(dom
      ? [
          {
            key: 'pageThroughputDom',
            measure: "Throughput, pty → xterm, both drawn by xterm's DOM renderer",
            ours: mibs(ours.pageThroughput),
            wetty: mibs(dom.throughput),
            reference: none,
            comparison: `${formatRatio(domRatio, 1)} wetty`,
            target: `≥ ${Targets.pageThroughputRatio}× wetty`,
            met: domRatio >= Targets.pageThroughputRatio,
          },
        ]
      : []),
    ...(webgl && wetty
      ? [
          {
            key: 'pageThroughputWebgl',
            measure: "Throughput, pty → xterm, both drawn by xterm's WebGL addon",
            ours: mibs(webgl.throughput),
            wetty: mibs(wetty.pageThroughput),
            reference: none,
            comparison: `${formatRatio(webglRatio, 1)} wetty`,
            target: `≥ ${Targets.pageThroughputRatio}× wetty`,
            met: webglRatio >= Targets.pageThroughputRatio,
          },
        ]
      : []),
    {
      key: 'socketThroughput',
      measure: 'Throughput, pty → socket, no browser',
      ours: mibs(ours.socketThroughput),
      wetty: or((runs) => mibs(runs.socketThroughput)),
      reference: `raw pty read ${formatNumber(raw)} MiB/s`,
      comparison: `${formatShare(median(ours.socketThroughput), raw)} of raw`,
      target: `≥ ${Targets.socketShareOfRaw * 100}% of raw`,
      met: socketShare >= Targets.socketShareOfRaw,
    },
    {
      key: 'rawPty',
      measure: 'Raw node-pty read (the limit)',
      ours: none,
      wetty: none,
      reference: mibs(results.rawPty),
      comparison: none,
      target: none,
    },
    {
      key: 'interrupt',
      measure: `Ctrl-C during \`yes\` → prompt (after ${results.floodSeconds} s of flood)`,
      ours: ms(ours.interrupts.map((run) => run.ms)),
      wetty: or((runs) => ms(runs.interrupts.map((run) => run.ms))),
      reference: none,
      comparison: wetty
        ? `${formatRatio(interrupt, median(wetty.interrupts.map((run) => run.ms)))} wetty`
        : none,
      target: `≤ ${Targets.interruptMs} ms`,
      met: interrupt <= Targets.interruptMs,
    },
    {
      key: 'floodRss',
      measure: `Server RSS during the floods (${ours.interrupts.length} of them)`,
      ours: memory(ours.interrupts, 'rssPeak'),
      wetty: or((runs) => memory(runs.interrupts, 'rssPeak')),
      reference: `idle ${formatBytes(median(ours.interrupts.map((run) => run.rssIdle)))}`,
      comparison: none,
      target: `bounded: last ≤ first + ${formatBytes(Targets.floodGrowthBytes)}`,
      met: growth <= Targets.floodGrowthBytes,
    },
    {
      key: 'rssPeak',
      measure: 'Runner RSS at its peak in any flood',
      ours: formatBytes(rssPeak),
      wetty: or((runs) => formatBytes(rssPeakOf(runs))),
      reference: none,
      comparison: none,
      target: `≤ ${formatBytes(Targets.floodRssPeakBytes)}`,
      met: rssPeak <= Targets.floodRssPeakBytes,
    },
    {
      key: 'rssIdle',
      measure: 'Runner RSS idle between floods, one session, after the first',
      ours: formatBytes(rssIdle),
      wetty: or((runs) => formatBytes(rssIdleOf(runs))),
      reference: none,
      comparison: none,
      target: `≤ ${formatBytes(Targets.idleRssBytes)}`,
      met: rssIdle <= Targets.idleRssBytes,
    },
    ...manyRows(results),
    ...memoryMeasureRows(results),
    {
      key: 'floodHeap',
      measure: 'Page JS heap during the floods',
      ours: memory(ours.interrupts, 'heapPeak'),
      wetty: or((runs) => memory(runs.interrupts, 'heapPeak')),
      reference: `idle ${formatBytes(median(ours.interrupts.map((run) => run.heapIdle)))}`,
      comparison: none,
      target: none,
    },
    {
      key: 'pageEcho',
      measure: `Keystroke echo in the page, p50 / p99 (${ours.pageEcho.length} keys)`,
      ours: latency(ours.pageEcho),
      wetty: or((runs) => latency(runs.pageEcho)),
      reference: none,
      comparison: none,
      target: `p99 ≤ ${Targets.echoP99Ms} ms`,
      met: echoP99 <= Targets.echoP99Ms,
    },
    {
      key: 'socketEcho',
      measure: 'Keystroke echo over the socket, no browser, p50 / p99',
      ours: latency(ours.socketEcho),
      wetty: or((runs) => latency(runs.socketEcho)),
      reference: none,
      comparison: none,
      target: none,
    },
    {
      key: 'checkOverhead',
      measure: `\`POST /api/checks\` of a \`true\` check, p50 / p99 (${results.check.length} runs)`,
      ours: latency(results.check),
      wetty: none,
      reference: `\`bash -c true\` spawned: ${latency(results.bareSpawn)}`,
      comparison: `${signed(overhead)} ms median`,
      target: `overhead ≤ ${Targets.checkOverheadMs} ms median`,
      met: overhead <= Targets.checkOverheadMs,
    },
    {
      key: 'restore',
      measure:
        'Screen restore after a reload, 10,000 lines of scrollback (socket → drawn), ' +
        'a second after the last output',
      ...restoreRow(results.restore.pause),
      target: `≤ ${Targets.restoreMs} ms`,
      met: restore <= Targets.restoreMs,
    },
    {
      key: 'restoreAtOnce',
      measure: 'Screen restore, the reload at once after the last output',
      ...restoreRow(results.restore['at once']),
      target: none,
    },
    {
      key: 'readOnlyWeight',
      measure: 'Page JS (gzip), chapter with no runner',
      ours: `${gzip(readOnly.gzipBytes)} (${readOnly.files} files)`,
      wetty: none,
      reference: `bare Starlight page ${gzip(bare.gzipBytes)} (${bare.files} files)`,
      comparison: plus(extra),
      target: `≤ baseline + ${gzip(Targets.readOnlyExtraGzipBytes)}`,
      met: extra <= Targets.readOnlyExtraGzipBytes,
    },
    {
      key: 'runnerWeight',
      measure: 'Page JS (gzip), chapter with a runner (terminal loaded)',
      ours: `${gzip(withRunner.gzipBytes)} (${withRunner.files} files)`,
      wetty: none,
      reference: `bare Starlight page ${gzip(bare.gzipBytes)}`,
      comparison: plus(withRunner.gzipBytes - bare.gzipBytes),
      target: none,
    },
    {
      key: 'build',
      measure: 'Full book build (`astro build`, published book)',
      ours: formatSummary(summarize(results.build.map((value) => value / 1000)), 's'),
      wetty: none,
      reference: none,
      comparison: none,
      target: none,
    },
    {
      key: 'start',
      measure: 'Server start → first answer',
      ours: ms(ours.start),
      wetty: or((runs) => ms(runs.start)),
      reference: none,
      comparison: wetty ? `${formatRatio(median(ours.start), median(wetty.start))} wetty` : none,
      target: none,
    },
  ];
}

/** The results table, as Markdown. */
export function resultsTable(rows: readonly ResultRow[]): string {
  const verdict = (row: ResultRow) =>
    row.met === undefined ? none : row.met ? 'met' : '**missed**';
  return markdownTable(
    ['Measure', 'Ours', 'wetty', 'Reference', 'Comparison', 'Target', 'Result'],
    rows.map((row) => [
      row.measure,
      row.ours,
      row.wetty,
      row.reference,
      row.comparison,
      row.target,
      verdict(row),
    ]),
  );
}

/** When the restore's messages arrived in the page: the visible rows, if sent, and the screen. */
function messageTimes(runs: RestoreRun[]): string {
  const at = (times: number[]) => `${formatNumber(median(times))} ms`;
  const screen = `screen message after ${at(runs.map((run) => run.screenMs))}`;
  const visible = visibleTimes(runs);
  return visible.length === runs.length ? `rows after ${at(visible)}, ${screen}` : screen;
}
