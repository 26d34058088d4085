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
    'The runner parses every byte into a headless xterm, on its one thread, so that a reload can ' +
    "restore the screen exactly. In CPU profiles of the runner streaming 64 MiB, xterm's parser " +
    '(print, copyFrom, parse, decode, scroll) is more than half of its busy time; with the headless screen ' +
    'switched off, as an experiment, the same stream reached 70–75% of the raw read on this ' +
    'machine, where the client, the server and `cat` share two cores that the raw read shares ' +
    `with \`cat\` alone.${wettyShare(results)} Proposed: move the headless screen to a worker ` +
    'thread (writes, resizes and serialize requests as messages), so that parsing gets a core ' +
    'of its own; that is a new runner module, outside what this change could touch.',
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
    const screen = median(results.restore.map((run) => run.screenMs));
    const total = median(results.restore.map((run) => run.ms));
    return (
      `The screen message arrived after ${formatNumber(screen)} ms of the ${formatNumber(total)}: ` +
      'the upgrade, and the screen that the runner serialized when the last page left. The rest ' +
      'is the page, which parses some 750 KB of serialized screen into a terminal not yet ' +
      'opened, then opens and draws it, while the rest of the chapter is still loading; on two ' +
      'cores that the browser shares with the runner, its time varies with the load from run to ' +
      'run. Sending the screen in two parts, the visible rows first and the scrollback after, ' +
      'would put the screen in front of the learner sooner; it changes the protocol.'
    );
  },
};
