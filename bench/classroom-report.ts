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
 * Why the hub's RSS row can be missed, from a profile of the hub's thread (V8's heap statistics
 * read in it every second of the same room): said under the table in a run that misses it.
 */
export const hubRssWhy =
  "**Why the hub's RSS row can be missed.** Not by anything the hub keeps per report or per " +
  "table. V8's heap statistics, read in the hub's thread every second of this room (probe runs " +
  'of 1,000 learners for 60 s), put what survived each full collection at 15–20 MiB over the whole ' +
  "minute and at 18 MiB once the room had stopped: the hub itself, and each learner's latest " +
  "verdict per check, which grows while the bench's learners report a new check each time, and " +
  "in a real room stops at the book's checks. What grows is the room V8 gives the old " +
  "generation. The hub's thread keeps its young generation at its first size " +
  '(runner/memory.js), so the rows and JSON of a push that a scavenge finds still in use move to ' +
  'the old generation and die there; V8 collects that generation only at a limit it sets from ' +
  'what survived the last full collection, and raises the limit in steps while the hub allocates ' +
  'this fast: 20, 37, 66, 73 then 76 MiB, a step every 10–15 s, the RSS following. Whether the ' +
  'last step lands before or after the half minute decides this row: the same code measured ' +
  '194 → 200 and 196 → 201 MiB in two more runs, and, once the names no longer held their pages, ' +
  '207 → 207 and 171 → 197; the hub from before the table named chapters and checks in words ' +
  '(db6bc3d) 167 → 183 MiB in a probe run beside them. Naming them ' +
  "added about 5 MiB to what survives (the book's names and the code that reads them, the longer " +
  'rows), and the limit V8 sets grows with it. The names also held every page they were read ' +
  'from (3.1 MiB where they take 0.7); they no longer do. Over a room of 150 s, the old ' +
  "generation kept growing only as what survives did (the learners' checks, 49,000 by the end): " +
  'from 59 MiB at 30 s to 85 MiB at 130 s, about four times what survived, then back to 43–53 MiB; ' +
  'the RSS went from 195 MiB in the first half to 207 MiB in the second.';

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
    ...(hubRssMissed(run) ? [wrap(hubRssWhy)] : []),
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
