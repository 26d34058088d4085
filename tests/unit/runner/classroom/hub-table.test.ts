import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HubLearners } from '../../../../runner/classroom/hub/learners.ts';
import { hubPage } from '../../../../runner/classroom/hub/page.ts';
import type { ReportedResult } from '../../../../runner/classroom/hub/report.ts';
import {
  chapterChoices,
  checkCounts,
  filterLearners,
  parseTableQuery,
  sortLearners,
  type BookOrder,
} from '../../../../runner/classroom/hub/table.ts';
import { hubView } from '../../../../runner/classroom/hub/view.ts';

const t0 = Date.parse('2026-03-01T09:00:00.000Z');
const minute = 60_000;
const result = (
  lab: string,
  check: string,
  status: ReportedResult['status'],
  minutes: number,
): ReportedResult => ({
  lab,
  check,
  status,
  at: new Date(t0 + minutes * minute).toISOString(),
  attempts: 1,
});

/** The book's order for these tests: install before traffic; traffic's checks routes, canary, mirror. */
const order: BookOrder = [
  { lab: 'install', checks: ['istioctl', 'mesh'] },
  { lab: 'traffic', checks: ['routes', 'canary', 'mirror'] },
];

/**
 * A room at t0 + 20 minutes:
 * Ada on traffic, stuck on canary since minute 5; Bo on install, stuck on mesh since minute 4;
 * Cy on traffic, all passed; Dee on a chapter the book does not list, after another one it does
 * not list either (gateways, where nobody is now); Eve joined, no result yet.
 */
function room() {
  const hub = new HubLearners();
  const add = (name: string, results: ReportedResult[]) =>
    hub.apply(
      { name, learner: `${name.toLowerCase()}-learner-00000000`, results },
      t0 + 20 * minute,
    );
  add('Ada', [
    result('install', 'istioctl', 'pass', 1),
    result('install', 'mesh', 'pass', 2),
    result('traffic', 'routes', 'pass', 3),
    result('traffic', 'canary', 'fail', 5),
  ]);
  add('Bo', [result('install', 'istioctl', 'pass', 2), result('install', 'mesh', 'fail', 4)]);
  add('Cy', [
    result('install', 'istioctl', 'pass', 1),
    result('install', 'mesh', 'pass', 2),
    result('traffic', 'routes', 'pass', 3),
    result('traffic', 'mirror', 'pass', 4),
    result('traffic', 'canary', 'pass', 6),
  ]);
  add('Dee', [result('gateways', 'edge', 'pass', 6), result('extra-lab', 'bonus', 'pass', 7)]);
  add('Eve', []);
  return { hub, now: t0 + 20 * minute };
}

describe('the table query', () => {
  it('defaults to stuck learners first and every chapter', () => {
    assert.deepEqual(parseTableQuery(new URLSearchParams('')), {
      ok: true,
      query: { sort: 'stuck', chapter: undefined },
    });
    assert.deepEqual(parseTableQuery(new URLSearchParams('sort=chapter&chapter=traffic')), {
      ok: true,
      query: { sort: 'chapter', chapter: 'traffic' },
    });
    assert.deepEqual(parseTableQuery(new URLSearchParams('sort=&chapter=')), {
      ok: true,
      query: { sort: 'stuck', chapter: undefined },
    });
  });

  it('refuses an order or a chapter it does not know, saying what to give instead', () => {
    const sort = parseTableQuery(new URLSearchParams('sort=age'));
    assert.equal(sort.ok, false);
    assert.match(sort.ok ? '' : sort.message, /sort=age .* use one of stuck, chapter, name/);
    const chapter = parseTableQuery(new URLSearchParams('chapter=../Traffic'));
    assert.match(chapter.ok ? '' : chapter.message, /lab id, lower-case words joined by dashes/);
  });
});

describe('sorting and filtering the room', () => {
  it('by stuck time: the longest stuck first, then everyone by name', () => {
    const { hub, now } = room();
    assert.deepEqual(
      sortLearners(hub.list(now), 'stuck').map((row) => row.name),
      ['Bo', 'Ada', 'Cy', 'Dee', 'Eve'],
    );
  });

  it("by chapter: the book's order, chapters it does not list next, no chapter last", () => {
    const { hub, now } = room();
    const names = (book: BookOrder) =>
      sortLearners(hub.list(now), 'chapter', book).map((row) => `${row.name}:${row.chapter}`);
    assert.deepEqual(names(order), [
      'Bo:install',
      'Ada:traffic',
      'Cy:traffic',
      'Dee:extra-lab',
      'Eve:null',
    ]);
    // Without the book's order, chapters go by id: extra-lab, install, traffic.
    assert.deepEqual(names([]), [
      'Dee:extra-lab',
      'Bo:install',
      'Ada:traffic',
      'Cy:traffic',
      'Eve:null',
    ]);
  });

  it('by name, and filtered to one chapter', () => {
    const { hub, now } = room();
    const list = hub.list(now);
    const shuffled = [list[3], list[0], list[4], list[2], list[1]].filter(
      (row) => row !== undefined,
    );
    assert.deepEqual(
      sortLearners(shuffled, 'name').map((row) => row.name),
      ['Ada', 'Bo', 'Cy', 'Dee', 'Eve'],
    );
    assert.deepEqual(
      filterLearners(list, 'traffic')
        .map((row) => row.name)
        .sort(),
      ['Ada', 'Cy'],
    );
    assert.equal(filterLearners(list, undefined).length, 5);
    assert.deepEqual(filterLearners(list, 'gateways'), []);
  });
});

describe('counts per chapter', () => {
  it('counts, per check, the learners past it and those stuck on it, in book order', () => {
    const { hub } = room();
    assert.deepEqual(
      checkCounts(hub.verdicts(), order).map(
        ({ chapter, check, past, stuck }) => `${chapter}/${check} ${past} ${stuck}`,
      ),
      [
        'install/istioctl 3 0',
        'install/mesh 2 1',
        'traffic/routes 2 0',
        'traffic/canary 1 1',
        'traffic/mirror 1 0',
        'extra-lab/bonus 1 0',
        'gateways/edge 1 0',
      ],
    );
  });

  it('puts checks the book does not list after those it does, the most passed first', () => {
    const rows = checkCounts(
      [
        { checks: [{ lab: 'traffic', check: 'zeta', status: 'pass' }], stuck: null },
        {
          checks: [
            { lab: 'traffic', check: 'zeta', status: 'pass' },
            { lab: 'traffic', check: 'alpha', status: 'fail' },
            { lab: 'traffic', check: 'canary', status: 'fail' },
          ],
          stuck: { lab: 'traffic', check: 'alpha' },
        },
      ],
      order,
    );
    assert.deepEqual(
      rows.map(({ check, past, stuck }) => `${check} ${past} ${stuck}`),
      ['canary 0 0', 'zeta 2 0', 'alpha 0 1'],
    );
  });

  it('offers each chapter with how many learners are on it now, even none', () => {
    const { hub, now } = room();
    const list = hub.list(now);
    const choices = chapterChoices(list, checkCounts(hub.verdicts(), order), order);
    assert.deepEqual(choices, [
      { chapter: 'install', here: 1 },
      { chapter: 'traffic', here: 2 },
      { chapter: 'extra-lab', here: 1 },
      { chapter: 'gateways', here: 0 },
    ]);
  });
});

describe('the view of an arranged room', () => {
  it('shows the filtered rows in order, how many of the room they are, and their chapter’s counts', () => {
    const { hub, now } = room();
    const counts = checkCounts(hub.verdicts(), order);
    const view = hubView(hub.list(now), 'en', now, {
      query: { sort: 'name', chapter: 'traffic' },
      counts,
      order,
    });
    assert.deepEqual(
      view.rows.map((row) => row.name),
      ['Ada', 'Cy'],
    );
    assert.equal(view.summary, '5 of 1000 learners, 0 waiting, 2 stuck');
    assert.equal(view.shown, '2 of 5 learners shown');
    assert.deepEqual(
      view.counts.map((row) => `${row.check} ${row.past} ${row.stuck}`),
      ['routes 2 0', 'canary 1 1', 'mirror 1 0'],
    );
    assert.deepEqual(
      view.chapters.map((chapter) => chapter.label),
      ['install (1)', 'traffic (2)', 'extra-lab (1)', 'gateways (0)'],
    );
    assert.equal(hubView(hub.list(now), 'ru', now, { counts, order }).shown, '');
    assert.equal(
      hubView(hub.list(now), 'ru', now, { query: { sort: 'stuck', chapter: 'install' } }).shown,
      'показано 1 из 5 участников',
    );
  });

  it('renders labelled controls holding the query, and links that keep it', () => {
    const { hub, now } = room();
    const html = hubPage(hub.list(now), 'it', now, {
      query: { sort: 'chapter', chapter: 'traffic' },
      counts: checkCounts(hub.verdicts(), order),
      order,
    });
    assert.match(html, /<label for="sort">Ordina per<\/label>\n<select id="sort" name="sort">/);
    assert.match(html, /<label for="chapter">Capitolo<\/label>\n<select id="chapter"/);
    assert.match(html, /<option value="chapter" selected>/);
    assert.match(html, /<option value="traffic" selected>traffic \(2\)<\/option>/);
    assert.match(html, /<button type="submit">Applica<\/button>/);
    // With a chapter chosen, one link downloads its learners and one the whole room.
    assert.match(
      html,
      /<a id="csv" href="\/api\/learners\.csv\?lang=it&amp;sort=chapter&amp;chapter=traffic" download>Scarica i partecipanti di questo capitolo \(CSV\)<\/a>/,
    );
    assert.match(
      html,
      /<a id="csv-all" href="\/api\/learners\.csv\?lang=it&amp;sort=chapter" download>Scarica tutti i partecipanti \(CSV\)<\/a>/,
    );
    assert.match(html, /href="\/\?lang=ru&amp;sort=chapter&amp;chapter=traffic" hreflang="ru"/);
    assert.match(html, /<h2 id="counts-title">Verifiche superate, per capitolo<\/h2>/);
    assert.match(
      html,
      /<tr><td title="traffic">traffic<\/td><td title="traffic\/canary">canary<\/td><td>1<\/td><td>1<\/td><\/tr>/,
    );
    assert.doesNotMatch(html, /<td title="install">/, 'counts of other chapters are left out');
  });
});
