import { columns } from './assets.ts';
import { csvText } from './csv.ts';
import { HubLimits } from './report.ts';
import type { LearnerSummary } from './learners.ts';
import { hubStrings, type HubLang, type HubStrings } from './strings.ts';
import {
  chapterChoices,
  defaultQuery,
  filterLearners,
  sortLearners,
  type BookOrder,
  type CheckCount,
  type TableQuery,
} from './table.ts';

/**
 * The instructor's table as text in one language: what the page shows first, what the live
 * channel pushes, and what the CSV export holds. All three arrange the room with hub/table.ts.
 */

/** One row of the table as text, in one language; `status` is kept raw for styling. */
export interface HubRow {
  id: string;
  name: string;
  /** Beside the name, when it deserves a second look (duplicate or look-alike), else empty. */
  nameNote: string;
  chapter: string;
  passed: string;
  latest: string;
  status: '' | 'pass' | 'fail' | 'error';
  stuck: string;
  lastSeen: string;
}

/** What the page shows above, in and beside the table. */
export interface HubView {
  /** The whole room: how many learners of how many the hub takes, how many waiting, how many stuck. */
  summary: string;
  /** Why the hub cannot save reports now (read-only, full disk, I/O error), or empty. */
  problem: string;
  /** How many of them the chapter filter shows, or empty without a filter. */
  shown: string;
  rows: HubRow[];
  /** The chapters the filter offers, in book order; the label says how many learners are on it. */
  chapters: Array<{ id: string; label: string }>;
  /** How many learners are past, and stuck on, each check (of the filtered chapter, if any). */
  counts: Array<{ chapter: string; check: string; past: string; stuck: string }>;
}

/** How the room is arranged: the instructor's query, the counts, the book's order. */
export interface ViewOptions {
  query?: TableQuery;
  counts?: readonly CheckCount[];
  order?: BookOrder;
  /** How many learners the hub takes (--hub-capacity) and how many were refused and wait. */
  room?: { capacity: number; waiting: number };
  /** Why the hub's latest commit failed (hub/store.ts StoreProblem), while it fails. */
  notSaved?: string;
  /** The page before its script has the rows: no summary yet. */
  shell?: boolean;
}

function rowOf(learner: LearnerSummary, strings: HubStrings, now: number): HubRow {
  const { text, plural } = strings;
  const seenMinutes = Math.max(0, Math.floor((now - Date.parse(learner.lastSeen)) / 60_000));
  const stuck = learner.stuck;
  return {
    id: learner.id,
    name: learner.name,
    nameNote: learner.nameWarning ? text(`lab.hub.name.${learner.nameWarning}`) : '',
    chapter: learner.chapter ?? '',
    passed: String(learner.passed),
    latest: learner.latest
      ? `${learner.latest.check}: ${text(`lab.hub.status.${learner.latest.status}`)}`
      : '',
    status: learner.latest?.status ?? '',
    stuck: !stuck
      ? ''
      : stuck.minutes < 1
        ? text('lab.hub.stuckUnderMinute', { check: stuck.check })
        : plural('lab.hub.stuck', stuck.minutes, { check: stuck.check }),
    lastSeen:
      seenMinutes < 1 ? text('lab.hub.seenJustNow') : plural('lab.hub.seenAgo', seenMinutes),
  };
}

/** The learners the query shows, in its order. */
function arranged(learners: readonly LearnerSummary[], options: ViewOptions): LearnerSummary[] {
  const query = options.query ?? defaultQuery;
  return filterLearners(sortLearners(learners, query.sort, options.order), query.chapter);
}

export function hubView(
  learners: LearnerSummary[],
  lang: HubLang,
  now = Date.now(),
  options: ViewOptions = {},
): HubView {
  const strings = hubStrings(lang);
  const { text, plural } = strings;
  const chapter = options.query?.chapter;
  const shown = arranged(learners, options);
  const counts = options.counts ?? [];
  const stuckCount = learners.filter((learner) => learner.stuck).length;
  const room = options.room ?? { capacity: HubLimits.learners, waiting: 0 };
  return {
    summary: options.shell
      ? ''
      : learners.length || room.waiting
        ? plural('lab.hub.summary', learners.length, {
            capacity: room.capacity,
            waiting: room.waiting,
            stuck: stuckCount,
          })
        : text('lab.hub.empty'),
    problem: options.notSaved ? text(`lab.hub.notSaved.${options.notSaved}`) : '',
    shown:
      chapter === undefined
        ? ''
        : plural('lab.hub.shown', learners.length, { shown: shown.length }),
    rows: shown.map((learner) => rowOf(learner, strings, now)),
    chapters: chapterChoices(learners, counts, options.order).map(({ chapter: id, here }) => ({
      id,
      label: `${id} (${here})`,
    })),
    counts: counts
      .filter((count) => chapter === undefined || count.chapter === chapter)
      .map((count) => ({ ...count, past: String(count.past), stuck: String(count.stuck) })),
  };
}

/**
 * The table as the page shows it (same query, same words), as CSV, with two more columns that
 * a spreadsheet can compute with: when the learner got stuck and when they were last seen (UTC).
 */
export function hubCsv(
  learners: LearnerSummary[],
  lang: HubLang,
  now = Date.now(),
  options: ViewOptions = {},
): string {
  const strings = hubStrings(lang);
  const header = [
    ...columns.map((column) => strings.text(`lab.hub.column.${column}`)),
    strings.text('lab.hub.csv.stuckSince'),
    strings.text('lab.hub.csv.lastSeenAt'),
  ];
  const rows = arranged(learners, options).map((learner) => {
    const row = rowOf(learner, strings, now);
    return [...columns.map((column) => row[column]), learner.stuck?.since ?? '', learner.lastSeen];
  });
  return csvText([header, ...rows]);
}
