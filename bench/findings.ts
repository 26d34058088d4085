import { formatNumber, median } from './stats.ts';
import type { Results } from './results.ts';

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

function rawRange(results: Results): string {
  const low = Math.min(...results.rawPty);
  const high = Math.max(...results.rawPty);
  return `${formatNumber(low)}–${formatNumber(high)} MiB/s`;
}

export const findings: Record<string, (results: Results) => string> = {
  pageThroughputDom: (results) =>
    "Both pages spend their main thread in xterm's parser and its DOM renderer alike (Chromium " +
    'CPU profiles and traces of each page streaming 16 MiB). The difference is the flow-control ' +
    'window: wetty lets 2 MiB go unacknowledged and acknowledges every 256 KiB, ours 256 KiB and ' +
    '16 KiB, so our page waits for data after each pause (about 17% of its time idle, against ' +
    "12% for wetty's). A 1 MiB window gained 15–20% here and let Ctrl-C take up to 180 ms instead " +
    `of about 60; wetty's own Ctrl-C in this run (${wettyInterrupt(results)}) shows the other ` +
    'side of that trade. The rest is the page around the terminal (a chapter lays out at every ' +
    'frame: hiding it gained 5–20%) and ten times as much scrollback (5–10%). We keep the ' +
    'small window: a learner presses Ctrl-C far more often than they print 64 MiB.',
  socketThroughput: (results) =>
    "The runner's main thread now only forwards output: the kept screen is parsed in a worker " +
    'thread, late, and most of a plain flood is never parsed at all (runner/screen/host.ts). ' +
    "xterm's parser alone reads about 48 MiB/s on one core of this machine, less than the raw " +
    'read, which is why parsing every byte could not meet the target even on a core of its own. ' +
    'What is left is the path itself on two cores, which the client, the runner and `cat` share ' +
    'while the raw read shares them with `cat` alone: with the kept screen switched off, as an ' +
    'experiment, the same stream reached 67–86% of the raw read (about 70% median) in runs ' +
    `alternating with it, and the raw read itself ranged over ${rawRange(results)} in this ` +
    `run.${wettyShare(results)} On a machine with more cores than busy processes the ` +
    'target is within reach; here it is not.',
  interrupt: () =>
    'After Ctrl-C the page still parses what was in flight: at most the 256 KiB flow-control ' +
    'window and one 64 KiB batch, about 60 ms here. A miss means the page or the runner was ' +
    'starved of CPU (look at the load before measuring).',
  checkOverhead: () =>
    "A check's answer waits for bash to start and exit; the runner adds the HTTP round trip and " +
    'the progress file. Forking pgrep (to find what the check left in its session) used to hold ' +
    'every answer; it now runs after the answer is sent. A miss means forks are slow here: the ' +
    "runner's process is larger than the bench's, and fork time grows with it.",
  restore: (results) => {
    const runs = results.restore.pause;
    const screen = median(runs.map((run) => run.screenMs));
    const total = median(runs.map((run) => run.ms));
    return (
      `The screen message arrived after ${formatNumber(screen)} ms of the ${formatNumber(total)}. ` +
      'The runner serializes the screen once the output has been quiet for half a second and ' +
      'keeps that copy (runner/screen/host.ts), so it sends the message as soon as the page attaches; ' +
      'what the page waits for is its own main thread, still loading the chapter. The rest is ' +
      'the page, which parses some 750 KB of serialized screen into a terminal not yet opened, ' +
      'then opens and draws it; on two cores that the browser shares with the runner, its time ' +
      'varies with the load from run to run. Sending the screen in two parts, the visible rows ' +
      'first and the scrollback after, would put the screen in front of the learner sooner; it ' +
      'changes the protocol.'
    );
  },
};
