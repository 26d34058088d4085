import { columns } from './assets.ts';
import { namer, type BookNames } from './book-names.ts';
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
  /** The chapter's title in the page's language (hub/book-names.ts), and its lab id. */
  chapter: string;
  chapterId: string;
  passed: string;
  latest: string;
  status: '' | 'pass' | 'fail' | 'error';
  /** The latest check's id, `lab/check`, or empty: `latest` and `stuck` name it in words. */
  checkId: string;
  /** How long the latest check has failed, or empty. */
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
  /**
   * How many learners are past, and stuck on, each check (of the filtered chapter, if any): the
   * chapter and check in words, with their ids.
   */
  counts: Array<{
    chapter: string;
    chapterId: string;
    check: string;
    checkId: string;
    past: string;
    stuck: string;
  }>;
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
  /** What the book calls its chapters and checks, per language; ids without it. */
  names?: BookNames;
}

type Namer = ReturnType<typeof namer>;

function rowOf(learner: LearnerSummary, strings: HubStrings, now: number, names: Namer): HubRow {
  const { text, plural } = strings;
  const seenMinutes = minutesSeen(learner, now);
  const { stuck, latest } = learner;
  return {
    id: learner.id,
    name: learner.name,
    nameNote: learner.nameWarning ? text(`lab.hub.name.${learner.nameWarning}`) : '',
    chapter: learner.chapter === null ? '' : names.chapter(learner.chapter),
    chapterId: learner.chapter ?? '',
    passed: String(learner.passed),
    latest: latest
      ? text('lab.hub.latest', {
          status: text(`lab.hub.status.${latest.status}`),
          check: names.check(latest.lab, latest.check),
        })
      : '',
    status: latest?.status ?? '',
    checkId: latest ? `${latest.lab}/${latest.check}` : '',
    // The check is the latest one, which the row names already.
    stuck: !stuck
      ? ''
      : stuck.minutes < 1
        ? text('lab.hub.stuckUnderMinute')
        : plural('lab.hub.stuck', stuck.minutes),
    lastSeen:
      seenMinutes < 1 ? text('lab.hub.seenJustNow') : plural('lab.hub.seenAgo', seenMinutes),
  };
}

/**
 * The rows made of each summary, per language and book names, with the minutes "last seen" was
 * made for: hub/learners.ts keeps a summary until its learner changes, so a push to a room where
 * few learners changed makes few rows, and gives the live table (hub/live.ts) the same row
 * objects for the others. Kept by the summary, so they go with it.
 */
const rowsMade = new WeakMap<
  LearnerSummary,
  Array<{ lang: HubLang; names: BookNames | undefined; seenMinutes: number; row: HubRow }>
>();

/** What a view's rows are made with: its language, words and book names, and its time. */
interface RowMaking {
  lang: HubLang;
  strings: HubStrings;
  bookNames: BookNames | undefined;
  names: Namer;
  now: number;
}

function keptRow(learner: LearnerSummary, making: RowMaking): HubRow {
  const { lang, bookNames, now } = making;
  const seenMinutes = minutesSeen(learner, now);
  let made = rowsMade.get(learner);
  if (!made) rowsMade.set(learner, (made = []));
  const index = made.findIndex((entry) => entry.lang === lang && entry.names === bookNames);
  const kept = made[index];
  if (kept?.seenMinutes === seenMinutes) return kept.row;
  const row = rowOf(learner, making.strings, now, making.names);
  made.splice(index < 0 ? made.length : index, 1, { lang, names: bookNames, seenMinutes, row });
  return row;
}

const minutesSeen = (learner: LearnerSummary, now: number) =>
  Math.max(0, Math.floor((now - Date.parse(learner.lastSeen)) / 60_000));

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
  const names = namer(options.names, lang);
  const making: RowMaking = { lang, strings, bookNames: options.names, names, now };
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
    rows: shown.map((learner) => keptRow(learner, making)),
    chapters: chapterChoices(learners, counts, options.order).map(({ chapter: id, here }) => ({
      id,
      label: `${names.chapter(id)} (${here})`,
    })),
    counts: counts
      .filter((count) => chapter === undefined || count.chapter === chapter)
      .map((count) => ({
        chapter: names.chapter(count.chapter),
        chapterId: count.chapter,
        check: names.check(count.chapter, count.check),
        checkId: `${count.chapter}/${count.check}`,
        past: String(count.past),
        stuck: String(count.stuck),
      })),
  };
}

/**
 * The table as the page shows it (same query, same words), as CSV, with four more columns that
 * a spreadsheet can compute with: when the learner got stuck and when they were last seen (UTC),
 * and the ids of the chapter and of the latest check.
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
    strings.text('lab.hub.csv.chapterId'),
    strings.text('lab.hub.csv.checkId'),
  ];
  const names = namer(options.names, lang);
  const rows = arranged(learners, options).map((learner) => {
    const row = rowOf(learner, strings, now, names);
    return [
      ...columns.map((column) => row[column]),
      learner.stuck?.since ?? '',
      learner.lastSeen,
      row.chapterId,
      row.checkId,
    ];
  });
  return csvText([header, ...rows]);
}
