import type { CheckStatus } from '../../../src/lib/wire/protocol.ts';
import type { LearnerSummary } from './learners.ts';

/**
 * How the instructor arranges the table for a big room: the order of the rows, one chapter at a
 * time, and how many learners are past each check. Pure functions of the learners, so that the
 * page, the live channel and the CSV export arrange the room the same way.
 */

/** The orders the table offers; the first is the default. */
export const sortKeys = ['stuck', 'chapter', 'name'] as const;
export type SortKey = (typeof sortKeys)[number];

/** What the instructor asked to see: `?sort=` and `?chapter=` (a lab id, or all chapters). */
export interface TableQuery {
  sort: SortKey;
  chapter: string | undefined;
}

export const defaultQuery: TableQuery = { sort: 'stuck', chapter: undefined };

/**
 * The book's chapters in reading order, each with its checks in the order the chapter runs them.
 * The hub is told it by the instructor's runner (its lab catalog); chapters and checks it does
 * not list come after those it does, by id.
 */
export type BookOrder = ReadonlyArray<{ lab: string; checks: readonly string[] }>;

const labIdPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Reads `?sort=` and `?chapter=`; a value the table does not know is an error saying what to use. */
export function parseTableQuery(
  params: URLSearchParams,
): { ok: true; query: TableQuery } | { ok: false; message: string } {
  const sort = params.get('sort') || 'stuck';
  if (!(sortKeys as readonly string[]).includes(sort))
    return {
      ok: false,
      message: `?sort=${sort} is not an order the table knows: use one of ${sortKeys.join(', ')}, or leave it out`,
    };
  const chapter = params.get('chapter') || undefined;
  if (chapter !== undefined && (chapter.length > 128 || !labIdPattern.test(chapter)))
    return {
      ok: false,
      message: `?chapter= takes a chapter's lab id, lower-case words joined by dashes (such as traffic); leave it out for every chapter`,
    };
  return { ok: true, query: { sort: sort as SortKey, chapter } };
}

/** The query as URL parameters, leaving out what is the default. */
export function queryParams(query: TableQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.sort !== defaultQuery.sort) params.set('sort', query.sort);
  if (query.chapter) params.set('chapter', query.chapter);
  return params;
}

/** Compares lab ids by their place in the book; labs the book does not list go last, by id. */
function chapterOrder(order: BookOrder): (a: string | null, b: string | null) => number {
  const rank = new Map(order.map(({ lab }, index) => [lab, index]));
  const place = (lab: string | null) =>
    lab === null ? Number.POSITIVE_INFINITY : (rank.get(lab) ?? order.length);
  return (a, b) => place(a) - place(b) || (a ?? '').localeCompare(b ?? '');
}

const byStuck = (a: LearnerSummary, b: LearnerSummary) =>
  (a.stuck ? 0 : 1) - (b.stuck ? 0 : 1) ||
  (a.stuck && b.stuck ? a.stuck.since.localeCompare(b.stuck.since) : 0);
const byName = (a: LearnerSummary, b: LearnerSummary) =>
  a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * The rows in the asked order, as a new array. `stuck`: stuck learners first, the longest stuck
 * first, then by name. `chapter`: by the chapter each learner is on, in book order (learners with
 * no result yet last), and within a chapter as `stuck`. `name`: by name.
 */
export function sortLearners(
  learners: readonly LearnerSummary[],
  sort: SortKey,
  order: BookOrder = [],
): LearnerSummary[] {
  const chapters = chapterOrder(order);
  const compare =
    sort === 'name'
      ? byName
      : sort === 'chapter'
        ? (a: LearnerSummary, b: LearnerSummary) =>
            chapters(a.chapter, b.chapter) || byStuck(a, b) || byName(a, b)
        : (a: LearnerSummary, b: LearnerSummary) => byStuck(a, b) || byName(a, b);
  return [...learners].sort(compare);
}

/** The learners on one chapter (their latest result is in it), or all of them. */
export function filterLearners(
  learners: readonly LearnerSummary[],
  chapter: string | undefined,
): LearnerSummary[] {
  return chapter === undefined
    ? [...learners]
    : learners.filter((learner) => learner.chapter === chapter);
}

/** One learner's latest verdict per check, and the check they are stuck on. */
export interface LearnerVerdicts {
  checks: Iterable<{ lab: string; check: string; status: CheckStatus }>;
  stuck: { lab: string; check: string } | null;
}

/** How many learners are past one check (their latest verdict of it is a pass), and stuck on it. */
export interface CheckCount {
  chapter: string;
  check: string;
  past: number;
  stuck: number;
}

/**
 * A count per check of every chapter anyone has reported: chapters in book order; checks in the
 * chapter's order, and those the book does not list after them, most passed first (the order a
 * room meets them in).
 */
export function checkCounts(
  learners: readonly LearnerVerdicts[],
  order: BookOrder = [],
): CheckCount[] {
  // By chapter, then by check: a key made of both would be a new string for every verdict of
  // every learner at every push.
  const counts = new Map<string, Map<string, CheckCount>>();
  const count = (chapter: string, check: string) => {
    let checks = counts.get(chapter);
    if (!checks) counts.set(chapter, (checks = new Map<string, CheckCount>()));
    let found = checks.get(check);
    if (!found) checks.set(check, (found = { chapter, check, past: 0, stuck: 0 }));
    return found;
  };
  for (const learner of learners) {
    for (const verdict of learner.checks)
      if (verdict.status === 'pass') count(verdict.lab, verdict.check).past += 1;
      else count(verdict.lab, verdict.check);
    if (learner.stuck) count(learner.stuck.lab, learner.stuck.check).stuck += 1;
  }
  const chapters = chapterOrder(order);
  const checkRank = new Map(
    order.flatMap(({ lab, checks }) => checks.map((check, index) => [`${lab}/${check}`, index])),
  );
  const place = (row: CheckCount) =>
    checkRank.get(`${row.chapter}/${row.check}`) ?? Number.POSITIVE_INFINITY;
  return [...counts.values()]
    .flatMap((checks) => [...checks.values()])
    .sort(
      (a, b) =>
        chapters(a.chapter, b.chapter) ||
        place(a) - place(b) ||
        b.past - a.past ||
        a.check.localeCompare(b.check),
    );
}

/** The chapters a filter can offer, in book order, each with how many learners are on it now. */
export function chapterChoices(
  learners: readonly LearnerSummary[],
  counts: readonly CheckCount[],
  order: BookOrder = [],
): Array<{ chapter: string; here: number }> {
  const here = new Map<string, number>();
  for (const { chapter } of counts) here.set(chapter, 0);
  for (const { chapter } of learners)
    if (chapter !== null) here.set(chapter, (here.get(chapter) ?? 0) + 1);
  const chapters = chapterOrder(order);
  return [...here.entries()]
    .sort(([a], [b]) => chapters(a, b))
    .map(([chapter, count]) => ({ chapter, here: count }));
}
