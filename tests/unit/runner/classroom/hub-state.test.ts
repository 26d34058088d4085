import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { escapeHtml, hubPage } from '../../../../runner/classroom/hub/page.ts';
import { pickLanguage } from '../../../../runner/classroom/hub/strings.ts';
import { hubView } from '../../../../runner/classroom/hub/view.ts';
import {
  displayName,
  displayNameProblem,
  HubLimits,
  type Report,
  type ReportedResult,
} from '../../../../runner/classroom/hub/report.ts';
import { HubLearners } from '../../../../runner/classroom/hub/learners.ts';
import { nameWarnings } from '../../../../runner/classroom/hub/names.ts';
import { ProgressStore } from '../../../../runner/checks/progress.ts';

const t0 = Date.parse('2026-03-01T09:00:00.000Z');
const minute = 60_000;
const at = (minutes: number) => new Date(t0 + minutes * minute).toISOString();
const result = (
  check: string,
  status: ReportedResult['status'],
  minutes: number,
  lab = 'traffic',
): ReportedResult => ({ lab, check, status, at: at(minutes), attempts: 1 });
const report = (
  results: ReportedResult[],
  learner = 'learner-aaaaaaaaaaaa',
  name = 'Ada',
): Report => ({
  name,
  learner,
  results,
});

describe('hub state', () => {
  it('counts a learner stuck from the first failure of a run of failures until a pass', () => {
    const hub = new HubLearners();
    hub.apply(report([result('routes', 'pass', 0)]), t0);
    hub.apply(report([result('canary', 'fail', 1)]), t0 + minute);
    hub.apply(report([result('canary', 'error', 3)]), t0 + 3 * minute);
    hub.apply(report([result('canary', 'fail', 5)]), t0 + 5 * minute);
    let [row] = hub.list(t0 + 9 * minute);
    assert.deepEqual(row?.stuck, { lab: 'traffic', check: 'canary', since: at(1), minutes: 8 });
    assert.deepEqual([row?.passed, row?.chapter, row?.latest?.status], [1, 'traffic', 'fail']);
    hub.apply(report([result('canary', 'pass', 10)]), t0 + 10 * minute);
    hub.apply(report([result('canary', 'fail', 11)]), t0 + 11 * minute);
    [row] = hub.list(t0 + 12 * minute);
    assert.equal(row?.stuck?.since, at(11), 'a pass ends the run; a new failure starts another');
  });

  it('is not stuck when the latest result is a pass, even if another check failed before', () => {
    const hub = new HubLearners();
    hub.apply(
      report([result('canary', 'fail', 1), result('mirror', 'pass', 2, 'mirroring')]),
      t0 + 2 * minute,
    );
    const [row] = hub.list(t0 + 5 * minute);
    assert.equal(row?.stuck, null);
    assert.deepEqual([row?.chapter, row?.latest?.check], ['mirroring', 'mirror']);
  });

  it('ignores a result it already has (a snapshot sent again) and older ones', () => {
    const hub = new HubLearners();
    hub.apply(report([result('canary', 'fail', 1)]), t0 + minute);
    hub.apply(report([result('canary', 'fail', 4)]), t0 + 4 * minute);
    hub.apply(report([result('canary', 'pass', 2)]), t0 + 6 * minute);
    hub.apply(report([result('canary', 'fail', 4)]), t0 + 6 * minute);
    const twice = hub.apply(report([result('canary', 'pass', 2), result('canary', 'fail', 4)]));
    assert.deepEqual(twice.ok ? undefined : [twice.status, twice.code], [400, 'bad-report']);
    const [row] = hub.list(t0 + 6 * minute);
    assert.deepEqual([row?.latest?.status, row?.stuck?.since], ['fail', at(1)]);
    assert.equal(row?.lastSeen, at(6), 'last seen is the hub’s own clock');
  });

  it('clamps a learner clock that runs ahead to the hub’s present', () => {
    const hub = new HubLearners();
    hub.apply(report([result('canary', 'fail', 30)]), t0);
    const [row] = hub.list(t0);
    assert.deepEqual([row?.stuck?.since, row?.stuck?.minutes], [at(0), 0]);
  });

  it('sorts stuck learners first, longest stuck first, then by name', () => {
    const hub = new HubLearners();
    hub.apply(report([result('a', 'pass', 1)], 'learner-zoe-000000000', 'Zoe'), t0 + 9 * minute);
    hub.apply(report([result('a', 'pass', 1)], 'learner-ben-000000000', 'Ben'), t0 + 9 * minute);
    hub.apply(report([result('b', 'fail', 5)], 'learner-kim-000000000', 'Kim'), t0 + 9 * minute);
    hub.apply(report([result('b', 'fail', 2)], 'learner-ola-000000000', 'Ola'), t0 + 9 * minute);
    assert.deepEqual(
      hub.list(t0 + 9 * minute).map((row) => row.name),
      ['Ola', 'Kim', 'Ben', 'Zoe'],
    );
  });

  it(`refuses a learner beyond ${HubLimits.learners} and checks beyond ${HubLimits.checksPerLearner} per learner`, () => {
    const hub = new HubLearners();
    for (let index = 0; index < HubLimits.learners; index += 1)
      assert.equal(hub.apply(report([], `learner-${String(index).padStart(12, '0')}`)).ok, true);
    const full = hub.apply(report([], 'learner-one-too-many'));
    assert.deepEqual(full.ok ? undefined : [full.status, full.code], [403, 'hub-full']);
    assert.equal(hub.waiting, 1, 'counted as waiting');
    assert.equal(hub.size, HubLimits.learners);
    assert.equal(hub.apply(report([result('a', 'pass', 0)], `learner-${'0'.repeat(12)}`)).ok, true);

    const one = new HubLearners();
    const many = (from: number) =>
      Array.from({ length: HubLimits.resultsPerReport }, (_, index) =>
        result(`check-${from + index}`, 'pass', 0),
      );
    for (let from = 0; from < HubLimits.checksPerLearner; from += HubLimits.resultsPerReport)
      assert.equal(one.apply(report(many(from))).ok, true);
    const over = one.apply(report([result('one-more', 'pass', 1)]));
    assert.deepEqual(over.ok ? undefined : [over.status, over.code], [400, 'too-many-checks']);
    assert.equal(
      one.apply(report([result('check-0', 'fail', 1)])).ok,
      true,
      'known checks still update',
    );
  });
});

describe('hub page', () => {
  it('picks the language from ?lang=, then Accept-Language by weight, else English', () => {
    assert.equal(pickLanguage('it', 'ru'), 'it');
    assert.equal(pickLanguage('zh-cn', undefined), 'zh-CN');
    assert.equal(pickLanguage('xx', 'de-DE,ru;q=0.8,en;q=0.9'), 'en');
    assert.equal(pickLanguage(null, 'de-DE,ru;q=0.9,en;q=0.8'), 'ru');
    assert.equal(pickLanguage(null, 'zh-Hans-CN,zh;q=0.9'), 'zh-CN');
    assert.equal(pickLanguage(null, 'fr-FR'), 'en');
    assert.equal(pickLanguage(null, 'it;q=0,ru'), 'ru');
  });

  it('words durations with each language’s plural forms', () => {
    const hub = new HubLearners();
    hub.apply(report([result('canary', 'fail', 0)]), t0);
    const stuck = (lang: 'en' | 'ru' | 'it' | 'zh-CN', minutes: number) =>
      hubView(hub.list(t0 + minutes * minute), lang, t0 + minutes * minute).rows[0]?.stuck;
    assert.equal(stuck('en', 0), 'under a minute');
    assert.equal(stuck('en', 1), '1 minute');
    assert.equal(stuck('en', 4), '4 minutes');
    assert.equal(stuck('ru', 0), 'меньше минуты');
    assert.equal(stuck('ru', 1), '1 минуту');
    assert.equal(stuck('ru', 3), '3 минуты');
    assert.equal(stuck('ru', 5), '5 минут');
    assert.equal(stuck('ru', 21), '21 минуту');
    assert.equal(stuck('it', 1), '1 minuto');
    assert.equal(stuck('it', 7), '7 minuti');
    assert.equal(stuck('zh-CN', 7), '7 分钟');
    const view = hubView(hub.list(t0 + 2 * minute), 'en', t0 + 2 * minute);
    assert.equal(view.summary, '1 of 1000 learners, 0 waiting, 1 stuck');
    assert.deepEqual(
      [view.rows[0]?.latest, view.rows[0]?.lastSeen],
      ['failed: canary', '2 minutes ago'],
    );
    assert.match(hubView([], 'it').summary, /Non si è ancora collegato nessuno/);
  });

  it('escapes every character that could open markup or end an attribute', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&</a>`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    const hub = new HubLearners();
    hub.apply(report([], 'learner-"><img-src=x', '"><img src=x onerror=alert(1)>'));
    const html = hubPage(hub.list(), 'en');
    assert.ok(!html.includes('<img'), html);
    assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
  });
});

describe('progress listeners (what the reporter hears)', () => {
  it('hears each recorded result; a listener that throws neither fails the record nor silences others', async () => {
    const logged: string[] = [];
    const store = new ProgressStore(
      join(mkdtempSync(join(tmpdir(), 'istio-lab-hub-')), 'progress.json'),
      (message) => logged.push(message),
    );
    const heard: string[] = [];
    store.onRecord(() => {
      throw new Error('listener broke');
    });
    const stop = store.onRecord((lab, check, entry) =>
      heard.push(`${lab}/${check}:${entry.status}`),
    );
    const verdict = { reason: 'r', output: 'o', ms: 1, attempts: 2 };
    await store.record('fixture', 'always-passes', { ...verdict, status: 'pass' });
    stop();
    await store.record('fixture', 'never-passes', { ...verdict, status: 'fail' });
    assert.deepEqual(heard, ['fixture/always-passes:pass']);
    assert.equal(store.snapshot.labs.fixture?.['never-passes']?.status, 'fail');
    assert.equal(logged.filter((line) => line.includes('listener broke')).length, 2);
  });

  it('takes no reported time as earlier than the hub’s start or later than now', () => {
    const started = t0 + 60 * minute;
    const hub = new HubLearners(started);
    hub.apply(
      report([
        {
          lab: 'traffic',
          check: 'canary',
          status: 'fail',
          at: '0001-01-01T00:00:00.000Z',
          attempts: 1,
        },
      ]),
      started + 5 * minute,
    );
    const [row] = hub.list(started + 10 * minute);
    assert.equal(row?.stuck?.minutes, 10, 'stuck since the hub started, not since year 1');
    assert.equal(row?.stuck?.since, new Date(started).toISOString());
  });
});

describe('look-alike names', () => {
  it('refuses invisible and text-direction characters, and folds compatibility forms', () => {
    for (const name of ['Ada\u200b', 'A\u200dda', '\u200eAda', 'Ada\u2066x', 'Ad\u00ada'])
      assert.match(
        displayNameProblem(name) ?? '',
        /invisible or text-direction/,
        JSON.stringify(name),
      );
    assert.equal(displayNameProblem('Ａｄａ'), undefined);
  });

  it('refuses every blank-looking or default-ignorable character, before, inside or after a name', () => {
    // Braille blank, combining grapheme joiner, Khmer inherent vowel, variation selector, Hangul
    // choseong filler, Hangul filler: each draws nothing and none is a format character.
    for (const blank of ['\u2800', '\u034f', '\u17b5', '\ufe00', '\u115f', '\u3164'])
      for (const name of [`${blank}Ada`, `A${blank}da`, `Ada${blank}`, blank])
        assert.ok(displayNameProblem(name), `${JSON.stringify(name)} is refused`);
    for (const name of ['\u3000', '\u00a0\u00a0', ' . ', '\u0301'])
      assert.ok(displayNameProblem(name), `${JSON.stringify(name)} shows no letter`);
    for (const name of ['Ada Lovelace', 'Иван', '李雷', 'Zoë', 'O’Brien', 'José-María', 'Ada 2'])
      assert.equal(displayNameProblem(name), undefined, name);
    assert.equal(displayName(' Ａｄａ '), 'Ada', 'full-width letters are folded (NFKC)');
  });

  it('marks the same name twice, a look-alike of another, and a word that mixes alphabets', () => {
    assert.deepEqual(nameWarnings(['Ada', 'ada', 'Bo', 'Аda', 'Сarl', 'Ада Lovelace', 'Иван']), [
      'same',
      'same',
      null,
      'looksLike',
      'mixed',
      null,
      null,
    ]);
  });

  it('shows the warning beside the name in the table, in the page’s language', () => {
    const hub = new HubLearners();
    hub.apply(report([], 'learner-aaaaaaaaaaaa', 'Ada'), t0);
    hub.apply(report([], 'learner-bbbbbbbbbbbb', 'Аda'), t0);
    hub.apply(report([], 'learner-cccccccccccc', 'Bo'), t0);
    const rows = hubView(hub.list(t0), 'en', t0).rows;
    const note = (name: string) => rows.find((row) => row.name === name)?.nameNote;
    assert.match(note('Ada') ?? '', /looks like/);
    assert.match(note('Аda') ?? '', /looks like/);
    assert.equal(note('Bo'), '');
  });

  it('works the warnings out again when a learner renames, and only then', () => {
    const hub = new HubLearners();
    hub.apply(report([], 'learner-aaaaaaaaaaaa', 'Ada'), t0);
    hub.apply(report([], 'learner-bbbbbbbbbbbb', 'Bo'), t0);
    const warnings = () => hub.list(t0).map((learner) => [learner.name, learner.nameWarning]);
    assert.deepEqual(warnings(), [
      ['Ada', null],
      ['Bo', null],
    ]);
    hub.apply(report([], 'learner-bbbbbbbbbbbb', 'ada'), t0 + 1000);
    assert.deepEqual(warnings(), [
      ['ada', 'same'],
      ['Ada', 'same'],
    ]);
    hub.apply(report([], 'learner-bbbbbbbbbbbb', 'Bo'), t0 + 2000);
    assert.deepEqual(warnings(), [
      ['Ada', null],
      ['Bo', null],
    ]);
  });
});
