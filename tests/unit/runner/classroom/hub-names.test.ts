import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startHub } from '../../../../runner/classroom/hub.ts';
import { namer, readBookNames } from '../../../../runner/classroom/hub/book-names.ts';
import { HubLearners } from '../../../../runner/classroom/hub/learners.ts';
import { hubPage } from '../../../../runner/classroom/hub/page.ts';
import { hubLanguages } from '../../../../runner/classroom/hub/strings.ts';
import { checkCounts } from '../../../../runner/classroom/hub/table.ts';
import { hubCsv, hubView } from '../../../../runner/classroom/hub/view.ts';

/**
 * The instructor's table names chapters and checks as the book does, in the page's language: a
 * chapter by its page's title, a check by the first sentence of what it proves; the ids stay in
 * the cells' titles and the CSV.
 */

const docs = new URL('../../../../src/content/docs/', import.meta.url);
/** A chapter's title as its page's front matter gives it. */
const titleOf = (folder: string, chapter: string) =>
  /^title:\s*(.+)$/m
    .exec(readFileSync(new URL(`${folder}/${chapter}.mdx`, docs), 'utf8'))?.[1]
    ?.trim()
    .replace(/^(['"])(.*)\1$/, '$2') ?? '';

const names = readBookNames(hubLanguages.map(({ lang }) => lang));
const t0 = Date.parse('2026-05-04T09:00:00.000Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();

function room() {
  const learners = new HubLearners(t0);
  learners.apply(
    {
      name: 'Ada',
      learner: 'ada-learner-00000001',
      results: [
        { lab: 'traffic', check: 'versions-rotate', status: 'pass', at: at(1), attempts: 1 },
        { lab: 'traffic', check: 'only-v1', status: 'fail', at: at(2), attempts: 3 },
      ],
    },
    t0 + 5 * 60_000,
  );
  const now = t0 + 5 * 60_000;
  return { learners, now, counts: checkCounts(learners.verdicts()) };
}

describe("the table's names for chapters and checks", () => {
  it("reads each chapter's title and each check's first sentence from the book, per language", () => {
    for (const [lang, folder] of [
      ['en', 'en'],
      ['it', 'it'],
      ['zh-CN', 'zh-cn'],
      ['ru', 'ru'],
    ] as const) {
      const own = names[lang];
      assert.ok(own, lang);
      assert.equal(own.chapters.get('traffic'), titleOf(folder, 'traffic'), lang);
      const label = own.checks.get('traffic/only-v1') ?? '';
      assert.ok(label.length > 10, `${lang}: ${label}`);
      assert.doesNotMatch(label, /[<>*`]|[.。]$/, `${lang}: plain text, no full stop`);
      const page = readFileSync(new URL(`${folder}/traffic.mdx`, docs), 'utf8');
      assert.ok(page.includes(label.slice(0, 12)), `${lang}: ${label} is the page's own words`);
    }
    assert.notEqual(names.it?.chapters.get('traffic'), names.en?.chapters.get('traffic'));
    // A version pinned in the check's text reads as the version.
    assert.match(names.en?.checks.get('cluster/node-version') ?? '', /Kubernetes v?\d+\.\d+/);
  });

  it('falls back to English, then to the id', () => {
    const fallback = namer(
      {
        en: { chapters: new Map([['extra', 'Extra']]), checks: new Map([['extra/a', 'A passes']]) },
        it: { chapters: new Map(), checks: new Map() },
      },
      'it',
    );
    assert.equal(fallback.chapter('extra'), 'Extra');
    assert.equal(fallback.check('extra', 'a'), 'A passes');
    assert.equal(fallback.chapter('unknown'), 'unknown');
    assert.equal(fallback.check('extra', 'b'), 'b');
  });

  it('renders titles, not ids, in the rows, the counts and the chapter filter, in two languages', () => {
    const { learners, now, counts } = room();
    for (const lang of ['it', 'zh-CN'] as const) {
      const view = hubView(learners.list(now), lang, now, { counts, names });
      const title = names[lang]?.chapters.get('traffic') ?? '';
      const label = names[lang]?.checks.get('traffic/only-v1') ?? '';
      const row = view.rows[0];
      assert.equal(row?.chapter, title, lang);
      assert.equal(row?.chapterId, 'traffic');
      assert.ok(row?.latest.endsWith(label), `${lang}: ${row?.latest}`);
      assert.doesNotMatch(row?.latest ?? '', /only-v1/);
      assert.equal(row?.checkId, 'traffic/only-v1');
      assert.deepEqual(
        view.counts.map((count) => [count.chapter, count.check, count.checkId]),
        [
          [title, names[lang]?.checks.get('traffic/versions-rotate'), 'traffic/versions-rotate'],
          [title, label, 'traffic/only-v1'],
        ],
      );
      assert.deepEqual(view.chapters, [{ id: 'traffic', label: `${title} (1)` }]);
      const html = hubPage(learners.list(now), lang, now, { counts, names });
      assert.ok(html.includes(`<option value="traffic">${title} (1)</option>`), lang);
      assert.ok(html.includes(`title="traffic/only-v1"`), `${lang}: the id is the cell's title`);
    }
    assert.equal(
      hubView(learners.list(now), 'it', now, { names }).rows[0]?.latest,
      `non superata: ${names.it?.checks.get('traffic/only-v1')}`,
    );
  });

  it('names the rows of the same summaries by the names it is given, and by ids without them', () => {
    const { learners, now } = room();
    const list = learners.list(now);
    const chapterIn = (options: Parameters<typeof hubView>[3]) =>
      hubView(list, 'en', now, options).rows[0]?.chapter;
    assert.equal(chapterIn({ names }), names.en?.chapters.get('traffic'));
    assert.equal(chapterIn({}), 'traffic');
    const renamed = { en: { chapters: new Map([['traffic', 'Routing']]), checks: new Map() } };
    assert.equal(chapterIn({ names: renamed }), 'Routing');
    assert.equal(chapterIn({ names }), names.en?.chapters.get('traffic'));
  });

  it('exports the words as shown, and the ids in columns of their own', () => {
    const { learners, now } = room();
    const [header, row] = hubCsv(learners.list(now), 'ru', now, { names }).split('\r\n');
    assert.match(header ?? '', /,ID главы,ID последней проверки$/);
    assert.ok(row?.includes(names.ru?.chapters.get('traffic') ?? '?'), row);
    assert.match(row ?? '', /,traffic,traffic\/only-v1$/);
  });
});

describe('a hub names chapters from its book', () => {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-hub-names-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('reads the pages of the folders it is given, each language in its own', async () => {
    for (const [lang, title] of [
      ['en', 'Lessons'],
      ['ru', 'Уроки'],
    ]) {
      mkdirSync(join(home, lang ?? ''), { recursive: true });
      writeFileSync(
        join(home, lang ?? '', 'lessons.mdx'),
        `---\ntitle: ${title}\n---\n\n<Check id="first">\n  It works. Then more.\n</Check>\n`,
      );
    }
    const hub = await startHub({
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      tickMs: 60_000,
      docDirs: [home],
    });
    try {
      const sent = await fetch(new URL(`/join/${hub.joinToken}/report`, hub.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: 'Ada',
          learner: 'ada-learner-00000001',
          results: [{ lab: 'lessons', check: 'first', status: 'pass', at: at(0), attempts: 1 }],
        }),
      });
      assert.equal(sent.status, 204);
      const csv = async (lang: string) =>
        (
          await (
            await fetch(new URL(`/api/learners.csv?lang=${lang}`, hub.url), {
              headers: { Authorization: `Bearer ${hub.viewToken}` },
            })
          ).text()
        ).split('\r\n')[1];
      assert.match((await csv('ru')) ?? '', /^Ada,Уроки,1,пройдена: It works,/);
      assert.match((await csv('it')) ?? '', /^Ada,Lessons,1,superata: It works,/, 'English');
    } finally {
      await hub.close();
    }
  });
});
