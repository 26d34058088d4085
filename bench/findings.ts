import { FlowLimits } from '../src/lib/wire/flow-limits.ts';
import { formatBytes, formatNumber, median } from './stats.ts';
import { runnerRssIdle, runnerRssPeak } from './report.ts';
import { msPerSample } from './machine.ts';
import { visibleTimes, type Results } from './results.ts';

/*
 * What profiling found behind each target that a run can miss on a machine like the one the
 * committed numbers come from (2 cores, headless Chromium with no GPU). Each entry says the cause
 * and why it stays so, using the run's own numbers where it quotes any. Keyed by ResultRow.key.
 */

function wettyInterrupt(results: Results): string {
  if (!('runs' in results.wetty)) return 'longer';
  const times = results.wetty.runs.interrupts.map((run) => run.ms);
  return `${formatNumber(median(times))} ms median, up to ${formatNumber(Math.max(...times))} ms`;
}

function wettyShare(results: Results): string {
  if (!('runs' in results.wetty)) return '';
  const share = median(results.wetty.runs.socketThroughput) / median(results.rawPty);
  const percent = Math.round(share * 100);
  return ` Even wetty, which forwards bytes and keeps nothing, reaches ${percent}% here.`;
}

/** What the kernel's memory monitor took from the echo, where one ran (bench/machine.ts). */
function monitorSpells(results: Results): string {
  const monitor = results.machine.memoryMonitors?.[0];
  if (!monitor) return '';
  return (
    ` Here the kernel's DAMON thread woke every ${monitor.sampleMs} ms and took one of the ` +
    `${results.machine.cores} cores for about ${msPerSample(monitor).toFixed(0)} ms of CPU each ` +
    'time. A `perf sched` profile of 800 echoes on this machine put the slow ones every 540 ms, ' +
    'each while kdamond ran on one core; an strace of the runner in another such run showed the ' +
    "rest, the other core shared by Chromium and the runner: either the key's WebSocket frame " +
    'reached the runner 8–14 ms after the page sent it, or the runner, having read it, waited ' +
    '4–7 ms for the core. Alternating probe runs of the book measured at 6.0 ms before (40e00ad) ' +
    'and of 06ff418, 800 echoes each after two floods, gave p99s of 9.4–11.0 and 6.8–8.1 ms: ' +
    'the code did not get slower.'
  );
}

function webglShare(results: Results): string {
  const webgl = results.oursWebgl ? median(results.oursWebgl.throughput) : NaN;
  return `${Math.round((webgl / median(results.ours.pageThroughput)) * 100)}%`;
}

function sentShare(results: Results): string {
  const sent = results.ours.pageBytes;
  return sent?.length ? `${Math.round((median(sent) / results.floodBytes) * 100)}%` : 'all';
}

const peak = (results: Results) => formatBytes(runnerRssPeak(results));
const idle = (results: Results) => formatBytes(runnerRssIdle(results));

function rawRange(results: Results): string {
  const low = Math.min(...results.rawPty);
  const high = Math.max(...results.rawPty);
  return `${formatNumber(low)}–${formatNumber(high)} MiB/s`;
}

/** Where the runner's memory goes, from a profile made for issue 17's targets. */
const memoryProfile =
  "A profile of the runner's memory (/proc smaps, V8's heap statistics and snapshots) after 64 " +
  'MiB streamed three times through each of two sessions 148 columns wide, then idle, ended at ' +
  "336 MiB at first. The worker loaded Node's type stripper (17 MiB), kept its serialized " +
  'copies as trees of the strings appended (22 MiB) and kept pages pooled after its collections ' +
  '(20–35 MiB), and the main thread grew its young generation to 32 MiB (30–35 MiB in all): ' +
  'that took it to 204 MiB. Then malloc kept 40 MiB of the Buffers the floods had passed ' +
  "through, in as many arenas as threads, and the main thread loaded Node's type stripper too " +
  '(12–18 MiB). runner/start.js now starts the runner with malloc told to keep less ' +
  '(runner/memory.js) and with its TypeScript stripped ahead by another process ' +
  '(runner/stripped-sources.js): the same run ends at 153–158 MiB, and at 146–147 MiB since ' +
  'the main thread also collects once a flood has stopped (runner/memory.js). What is left is mostly ' +
  "fixed: node's own code mapped from its binary (about 50 MiB; a bare node process is 41 MiB in " +
  "all), V8's heaps, and each screen's cells, which xterm keeps outside the heap, 12 bytes a " +
  "cell: 17 MiB for 10,040 lines of 148 columns. A closed screen's cells stay with malloc, " +
  'which keeps them for reuse (a worker thread started afresh took more, not less). Keeping ' +
  "the scrollback as text rather than as xterm's cells would save most of a screen's 17 MiB; " +
  'it is not done.';

export const findings: Record<string, (results: Results) => string> = {
  pageThroughputDom: (results) =>
    "Both pages spend their main thread in xterm's parser and its DOM renderer alike (Chromium " +
    'CPU profiles and traces of each page streaming 16 MiB), and the flow-control window and the ' +
    'page around the terminal changed little. What our page gains comes from being sent less: ' +
    'the runner sends a page that is behind the last lines of a flood, not every line ' +
    `(runner/terminal/page-stream.ts), and in this run our page was sent ${sentShare(results)} ` +
    'of the flood. A miss means the runner was not far enough ahead of the page to leave lines ' +
    'out: it was starved of CPU, or the output could not be left out (colour on every line, very ' +
    `long lines). wetty's own Ctrl-C in this run: ${wettyInterrupt(results)}.`,
  pageThroughputWebgl: (results) =>
    "This Chromium runs with no GPU, so xterm's WebGL addon draws in SwiftShader, on the same " +
    `two cores as everything else, for both pages: ${webglShare(results)} of what our page ` +
    'reaches with the DOM renderer. The GPU emulation is the bottleneck, not the terminal ' +
    'around it, which is why the dock chooses ' +
    'WebGL only where it runs in hardware (src/client/renderer.ts); on a machine with a GPU this ' +
    'row is the one that counts, and it has not been measured on one.',
  socketThroughput: (results) =>
    "The runner's main thread now only forwards output: the kept screen is parsed in a worker " +
    'thread, late, and most of a plain flood is never parsed at all (runner/screen/host.ts). ' +
    "xterm's parser alone reads about 48 MiB/s on one core of this machine, less than the raw " +
    'read, which is why parsing every byte could not meet the target even on a core of its own. ' +
    'What is left is the path itself on two cores, which the client, the runner and `cat` share ' +
    'while the raw read shares them with `cat` alone: with the kept screen switched off, as an ' +
    'experiment, the same stream reached 67–86% of the raw read (about 70% median) in runs ' +
    `alternating with it, and the raw read itself ranged over ${rawRange(results)} in this ` +
    `run.${wettyShare(results)} malloc's settings (runner/memory.js) cost some of it: in ` +
    'alternating probe runs of one session, 36–45 MiB/s with all three against 44–54 with none ' +
    'or with any one alone, for 10–15 MiB less RSS. The page, which draws at a tenth of that, ' +
    'is what a learner waits for, so the memory was chosen. On a machine with more cores than ' +
    'busy processes the target is within reach; here it is not.',
  interrupt: () =>
    'After Ctrl-C the page still parses what was in flight, at most the streaming flow-control ' +
    `window (${FlowLimits.streamingHighWatermark >> 10} KiB) and one 64 KiB frame, and what ` +
    'waited for it in the runner: the last lines of a plain flood, as many as its scrollback ' +
    `keeps, or up to ${FlowLimits.backlogBytes >> 20} MiB of output that nothing could be left ` +
    'out of (runner/terminal/page-stream.ts). A miss means the page or the runner was starved of ' +
    "CPU (look at the load before measuring, and at wetty's time in the same run).",
  rssPeak: (results) => `The runner peaks at ${peak(results)}. ${memoryProfile}`,
  rssIdle: (results) =>
    `Idle before each flood, its one session's screen full, the runner holds ${idle(results)}, ` +
    "with the cells of the screen that the socket client's session filled before it ended. " +
    memoryProfile,
  pageEcho: (results) =>
    "A key's echo is written at once, with no batching; a p99 over the target means the page " +
    'or the runner waited for a core (compare the socket echo, which has no browser, and ' +
    `wetty's page in the same run).${monitorSpells(results)}`,
  checkOverhead: () =>
    "A check's answer waits for bash to start and exit; the runner adds the HTTP round trip and " +
    'the progress file. Forking pgrep (to find what the check left in its session) used to hold ' +
    'every answer; it now runs after the answer is sent. A miss means forks are slow here: the ' +
    "runner's process is larger than the bench's, and fork time grows with it.",
  restore: (results) => {
    const runs = results.restore.pause;
    const visible = visibleTimes(runs);
    const screen = median(runs.map((run) => run.screenMs));
    const total = median(runs.map((run) => run.ms));
    const rows =
      visible.length > 0 ? `the rows message after ${formatNumber(median(visible))} ms and ` : '';
    return (
      `Of the ${formatNumber(total)} ms, ${rows}the screen message after ` +
      `${formatNumber(screen)} ms. The runner serializes the screen once the output has been ` +
      'quiet for half a second and keeps that copy (runner/screen/host.ts), and it sends the ' +
      "screen's visible rows first, on their own; the page draws them in the terminal that " +
      'measured the dock, then replays the whole screen, some 750 KB, into its own terminal ' +
      '(src/client/terminal-connection.ts). What the page waits for is itself: the runner had ' +
      'sent both messages within 10–50 ms of the upgrade in probe runs. In a Chromium trace of one ' +
      'reload here, the visible rows arrived 23 ms after the socket was made and were parsed at ' +
      '49–61 ms, just after a frame had begun; the next frame, which drew them, could only begin ' +
      'at 131 ms, once the one before it had been rastered (64 ms of tiles, on the CPU, as ' +
      'Chromium does with no GPU) and composited (30 ms). On two cores that the browser shares ' +
      'with the runner, that varies with the load from run to run.'
    );
  },
};
