import type { ClassroomRun } from './classroom.ts';
import { formatBytes, formatNumber, markdownTable, percentile, wrap } from './stats.ts';

/** The targets of the classroom phase (issues 18 and 31): a room of a thousand, on one hub. */
export const ClassroomTargets = {
  /** From a report sent to the instructor's table showing it. */
  toTableP99Ms: 1000,
  /** RSS growth from the first half of the minute to the second that still counts as level. */
  rssGrowthBytes: 16 * 1024 * 1024,
  /** Share of one core the hub's process may use while the room reports. */
  cpuShare: 0.5,
  /** The instructor's own `GET /api/health` while one address floods the hub. */
  healthP99Ms: 100,
} as const;

/** The heading the section starts with; `npm run bench -- --only classroom` replaces it by it. */
export const classroomHeading = '## A classroom on one hub';

const verdict = (met: boolean) => (met ? 'met' : '**missed**');

/** The rows of the classroom table: measure, measured, reference, target, result. */
export function classroomRows(run: ClassroomRun): string[][] {
  const landed =
    run.stored === run.sent &&
    run.neverShown === 0 &&
    (run.missingInDatabase ?? 0) === 0 &&
    (run.missingInCsv ?? 0) === 0;
  const checked =
    run.missingInDatabase === undefined
      ? ''
      : `; ${run.stored - run.missingInDatabase} in the database, ${run.learners - (run.missingInCsv ?? 0)} learners' latest in the CSV`;
  const listed = run.learnersListed === run.learners;
  const p99 = percentile(run.toTable, 99);
  return [
    [
      `Reports sent, acknowledged and shown in the table (${run.learners} learners, ${run.seconds} s)`,
      `${run.stored} of ${run.sent} acknowledged, ${run.sent - run.neverShown} shown${checked}`,
      `${formatNumber(run.sent / run.seconds)} reports/s; ${run.learnersListed} learners listed`,
      'every report, every learner',
      verdict(landed && listed),
    ],
    [
      "Report sent → instructor's table, p50 / p99",
      `${formatNumber(percentile(run.toTable, 50))} / ${formatNumber(p99)} ms`,
      `the hub pushes a burst of reports together, 200 ms after its first, as the rows that changed${run.tableBytes === undefined ? '' : ` (${formatBytes(run.tableBytes)} to the table over the run)`}`,
      `p99 ≤ ${ClassroomTargets.toTableP99Ms} ms`,
      verdict(p99 <= ClassroomTargets.toTableP99Ms),
    ],
    [
      "Hub process RSS (the instructor's runner with --hub)",
      `peak ${formatBytes(run.rssPeakFirstHalf)} in the first half, ${formatBytes(run.rssPeakSecondHalf)} in the second`,
      `before the room ${formatBytes(run.rssBefore)}`,
      `bounded: second ≤ first + ${formatBytes(ClassroomTargets.rssGrowthBytes)}`,
      verdict(!hubRssMissed(run)),
    ],
    [
      'Hub process CPU while the room reports',
      `${formatNumber(run.cpuShare * 100)}% of one core`,
      '—',
      `≤ ${ClassroomTargets.cpuShare * 100}% of one core`,
      verdict(run.cpuShare <= ClassroomTargets.cpuShare),
    ],
    ...(run.flood
      ? [
          [
            `Instructor's \`/api/health\` while one address floods the hub (${run.flood.seconds} s), p50 / p99`,
            `${formatNumber(percentile(run.flood.health, 50))} / ${formatNumber(percentile(run.flood.health, 99))} ms`,
            `${run.flood.sent} flood reports of 100 results from 64 connections: ${run.flood.accepted} taken, ${run.flood.limited} refused 429`,
            `p99 < ${ClassroomTargets.healthP99Ms} ms`,
            verdict(percentile(run.flood.health, 99) < ClassroomTargets.healthP99Ms),
          ],
        ]
      : []),
  ];
}

/** Whether the hub's RSS grew past the bound from the first half of the room to the second. */
const hubRssMissed = (run: ClassroomRun) =>
  run.rssPeakSecondHalf - run.rssPeakFirstHalf > ClassroomTargets.rssGrowthBytes;

/**
 * What keeps the hub's RSS level, and what did not before: said under the table in every run,
 * from probes of the hub's thread (V8's heap statistics read in it every second of a room) and
 * the runs that compared the two ways of pushing.
 */
export const hubRssWhy =
  "**What keeps the hub's RSS level.** A push to the table makes text only for the learners " +
  "that changed since the last one: the hub keeps each learner's summary, and the rows made of " +
  'it, until the learner reports again or the minutes the row shows move (hub/learners.ts, ' +
  'hub/view.ts), and the live table compares what it sent with each row (hub/live.ts). Until ' +
  '4d44c14 every push, a few times a second, made every summary and every row again, and each ' +
  "row's JSON twice. The hub's thread keeps its young generation at its first size " +
  '(runner/memory.js), so what a scavenge found in use in a push moved to the old generation and ' +
  'died there, and V8 raised that generation’s limit in steps (20, 37, 66, 73 then 76 MiB) while ' +
  'what survived full collections stayed at 15–20 MiB. The RSS followed the steps, and whether ' +
  'the last came before or after the half minute decided this row: rooms of 60 s measured ' +
  '180 → 206, 194 → 200, 207 → 207 and 171 → 197 MiB, and 189 → 188 MiB in one where it came ' +
  'early. With the rows kept, rooms of 60 s measured 151 → 149 and 162 → 163 MiB alone and ' +
  '149 → 146, 171 → 172 and 165 → 176 MiB in three full runs, and a room of 180 s 149 → 154 MiB, ' +
  'the hub at 15–19% of a core where it took 20–22%.';

/** The section of docs/performance.md for one classroom run. */
export function classroomSection(run: ClassroomRun, measured: string): string {
  const about =
    `A room on loopback: the instructor's runner started with \`--hub\`, in its own process; ` +
    `${run.learners} simulated learners, each joining at a random moment in the first seconds and ` +
    "then sending one verdict every two to four seconds, as a learner's runner does (a POST to " +
    'the join link, one connection each, each learner from its own loopback address); and the ' +
    "instructor's table open on `/api/events`. Each " +
    "report is timed from being sent to the first table event that shows it as the learner's " +
    'latest check. After the run, every acknowledged report is looked up in the hub’s database ' +
    "(read by a connection of the bench's own) and each learner's last one in the CSV export. " +
    "The hub process's RSS is sampled every 250 ms, and its CPU time read from " +
    `/proc before and after. ${run.flood ? "Then another instructor's runner with --hub is flooded from one address (new learners with full reports, 64 connections at once) while its own `/api/health` is asked every 50 ms. " : ''}${measured}`;
  return [
    classroomHeading,
    wrap(about),
    markdownTable(['Measure', 'Measured', 'Reference', 'Target', 'Result'], classroomRows(run)),
    wrap(hubRssWhy),
  ].join('\n\n');
}

/**
 * The performance page with its classroom section replaced by `section`, or inserted before the
 * section on what the measurements changed (at the end when there is none).
 */
export function mergeClassroomSection(page: string, section: string): string {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => line.startsWith(classroomHeading));
  if (start >= 0) {
    let end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
    if (end < 0) end = lines.length;
    return [...lines.slice(0, start), section, '', ...lines.slice(end)].join('\n');
  }
  const before = lines.findIndex((line) => line.startsWith('## What these measurements changed'));
  if (before < 0) return `${page.trimEnd()}\n\n${section}\n`;
  return [...lines.slice(0, before), section, '', ...lines.slice(before)].join('\n');
}
