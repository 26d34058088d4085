import type { ClassroomRun } from './classroom.ts';
import type { InterruptRun } from './interrupt.ts';
import type { ManyTerminalsRun } from './many-terminals.ts';
import type { MemoryMeasuresRun } from './memory-measures.ts';
import type { Machine } from './machine.ts';
import type { PageWeight } from './page-weight.ts';
import type { RestoreRun, RestoreTiming } from './restore.ts';

/** Numbers measured for one system under test, by the same harness. */
export interface SystemRuns {
  /** MiB/s, pty → xterm rendered in Chromium, one value per repetition. */
  pageThroughput: number[];
  /** Bytes the page was sent in each repetition (ours only: runner/terminal/page-stream.ts). */
  pageBytes?: number[];
  /** MiB/s, pty → socket with no browser. */
  socketThroughput: number[];
  interrupts: InterruptRun[];
  /** ms, every keystroke → echo round trip in the page. */
  pageEcho: number[];
  /** ms, every keystroke → echo round trip over the socket with no browser. */
  socketEcho: number[];
  /** ms, process spawn → first answer. */
  start: number[];
  /** The page's xterm: renderer, size, scrollback. */
  terminal: string;
}

/** Everything one run of the bench measured, and on what. */
export interface Results {
  date: string;
  machine: Machine;
  chromium: string;
  commit: string;
  repetitions: number;
  /** The bytes streamed in each throughput repetition. */
  floodBytes: number;
  floodSeconds: number;
  ours: SystemRuns;
  /** Our page's throughput again, drawn by xterm's WebGL addon (a learner's choice, or a GPU's). */
  oursWebgl?: { throughput: number[]; terminal: string; pageBytes?: number[] };
  /** The 1-minute load average when the measuring started: how busy the machine was otherwise. */
  load: number;
  /**
   * wetty's numbers, or why there are none. `dom` is its page throughput again, in a Chromium
   * without WebGL, where it draws with xterm's DOM renderer as ours does.
   */
  wetty:
    | { version: string; runs: SystemRuns; dom?: { throughput: number[]; terminal: string } }
    | { error: string };
  /** MiB/s of a bare node-pty read. */
  rawPty: number[];
  /** ms of POST /api/checks/bench/true, and of spawning `bash -c true` directly. */
  check: number[];
  bareSpawn: number[];
  restore: Record<RestoreTiming, RestoreRun[]>;
  weight: { bare: PageWeight; readOnly: PageWeight; withRunner: PageWeight };
  /** ms of a full `astro build` of the published book. */
  build: number[];
  /** Eight terminals of each server flooding at once (bench/many-terminals.ts). */
  manyTerminals?: { ours: ManyTerminalsRun; wetty?: ManyTerminalsRun };
  /** What the runner's memory measures save: lean against plain (bench/memory-measures.ts). */
  memoryMeasures?: MemoryMeasuresRun;
  /** A room of learners reporting to one hub (bench/classroom.ts). */
  classroom?: ClassroomRun;
  /**
   * A room measured later on its own (`npm run bench -- --only classroom`), and the sentence
   * that says when and where: the page shows it instead of `classroom`, and `--render` keeps it.
   */
  classroomApart?: { run: ClassroomRun; measured: string };
}

/** The targets of issues 8 and 17, in one place, with the unit each is stated in. */
export const Targets = {
  /** Our page's throughput over wetty's. */
  pageThroughputRatio: 1.2,
  /** Our pty → socket throughput as a share of a raw node-pty read. */
  socketShareOfRaw: 0.8,
  interruptMs: 300,
  /** Growth of the runner's peak RSS from the first flood to the last. */
  floodGrowthBytes: 16 << 20,
  /** The runner's RSS at its peak in any flood, and idle with one session between floods. */
  floodRssPeakBytes: 200 << 20,
  idleRssBytes: 150 << 20,
  /** Eight terminals flooding at once: the runner's peak, and where it is back within 10 s. */
  manyTerminals: 8,
  manyPeakBytes: 250 << 20,
  manyAfterBytes: 200 << 20,
  manyAfterMs: 10_000,
  echoP99Ms: 10,
  /** Median of a check round trip minus the median of a bare `bash -c true`. */
  checkOverheadMs: 15,
  restoreMs: 250,
  /** A read-only chapter's JavaScript over a bare Starlight page's, gzip. */
  readOnlyExtraGzipBytes: 10 * 1024,
} as const;

/** When a restore's `visible` message arrived, in the runs where one came. */
export function visibleTimes(runs: readonly RestoreRun[]): number[] {
  return runs.flatMap((run) => (run.visibleMs === undefined ? [] : [run.visibleMs]));
}
