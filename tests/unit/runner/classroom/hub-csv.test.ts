import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import { csvField, csvText } from '../../../../runner/classroom/hub/csv.ts';
import { HubLearners } from '../../../../runner/classroom/hub/learners.ts';
import { hubCsv } from '../../../../runner/classroom/hub/view.ts';
import { postReport, testHub } from '../../support/hub.ts';

describe('CSV fields', () => {
  it('quotes a field holding a quote, a comma or a line end, doubling its quotes', () => {
    assert.equal(csvField('Ada'), 'Ada');
    assert.equal(csvField('Lovelace, Ada'), '"Lovelace, Ada"');
    assert.equal(csvField('Ada "the first"'), '"Ada ""the first"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField(''), '');
    assert.equal(csvField('Ada; Bo'), '"Ada; Bo"', 'a semicolon is a list separator too');
    assert.equal(csvField('tab\there'), '"tab\there"');
  });

  it('defuses a field a spreadsheet would take for a formula with a leading apostrophe', () => {
    for (const start of ['=', '+', '-', '@'])
      assert.equal(csvField(`${start}1+1`), `'${start}1+1`, JSON.stringify(start));
    assert.equal(csvField('\t1+1'), `"'\t1+1"`, 'a tab is defused and quoted');
    assert.equal(csvField('\rcmd'), `"'\rcmd"`, 'a CR is defused and quoted');
    assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvField('Ada=1'), 'Ada=1', 'a formula sign inside a part is text');
    assert.equal(csvField(' =1'), `' =1`, 'a space before the sign does not hide it');
  });

  /**
   * How a spreadsheet may cut a line into cells: by `,` (English) or `;` (Italian, Russian, the
   * hub's other languages), honouring RFC 4180 quotes, or (a plain text import) not.
   */
  const cells = (line: string, separator: ',' | ';', quotes: boolean): string[] => {
    if (!quotes) return line.split(separator);
    const found: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i];
      if (quoted && char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = !quoted;
      else if (char === separator && !quoted) {
        found.push(cell);
        cell = '';
      } else cell += char;
    }
    return [...found, cell];
  };
  const formulaCell = /^\s*[=+\-@]/;

  for (const separator of [',', ';'] as const)
    it(`leaves no cell a formula when a spreadsheet splits on "${separator}", with or without quotes`, () => {
      const names = [
        'Ada;=1+1',
        'Ada,=1+1',
        'Ada;+cmd|"/c calc"!A1',
        'Ada, -2+3',
        'Ada; @SUM(A1)',
        'Ada\t=1',
        'Ada;"=1"',
        '"x";=1',
      ];
      const text = csvText(names.map((name) => [name, 'traffic']));
      for (const line of text
        .replace(/^\uFEFF/, '')
        .split('\r\n')
        .filter(Boolean))
        for (const quotes of [true, false])
          for (const cell of cells(line, separator, quotes))
            assert.doesNotMatch(
              cell,
              formulaCell,
              `${JSON.stringify(line)} → ${JSON.stringify(cell)}`,
            );
    });

  it('writes a document with a byte order mark and CRLF line ends', () => {
    assert.equal(
      csvText([
        ['a', 'b'],
        ['1', '2'],
      ]),
      '\uFEFFa,b\r\n1,2\r\n',
    );
  });
});

describe('the table as CSV', () => {
  const now = Date.parse('2026-03-01T09:30:00.000Z');
  const hub = new HubLearners();
  hub.apply(
    {
      name: '=HYPERLINK("http://evil.example","Ada")',
      learner: 'ada-learner-000000001',
      results: [
        {
          lab: 'traffic',
          check: 'canary',
          status: 'fail',
          at: '2026-03-01T09:10:00.000Z',
          attempts: 1,
        },
      ],
    },
    now,
  );
  hub.apply({ name: 'Bo, "the second"', learner: 'bo-learner-0000000001', results: [] }, now);

  it('holds the columns in the page’s language, the rows as shown, two UTC times and the ids', () => {
    const lines = hubCsv(hub.list(now), 'it', now).split('\r\n');
    assert.equal(
      lines[0],
      '\uFEFFPartecipante,Capitolo,Verifiche superate,Ultima verifica,In difficoltà da,Ultimo contatto,In difficoltà dal (UTC),Ultimo contatto (UTC),ID del capitolo,ID dell’ultima verifica',
    );
    assert.equal(
      lines[1],
      `"'=HYPERLINK(""http://evil.example"",""Ada"")",traffic,0,non superata: canary,20 minuti,adesso,2026-03-01T09:10:00.000Z,2026-03-01T09:30:00.000Z,traffic,traffic/canary`,
    );
    assert.equal(lines[2], '"Bo, ""the second""",,0,,,adesso,,2026-03-01T09:30:00.000Z,,');
    assert.equal(lines[3], '');
    assert.equal(lines.length, 4);
  });

  it('follows the query: order and chapter', () => {
    const byName = hubCsv(hub.list(now), 'en', now, {
      query: { sort: 'name', chapter: undefined },
    });
    assert.match(byName.split('\r\n')[1] ?? '', /^"'=HYPERLINK/, '"=" sorts before "B"');
    const traffic = hubCsv(hub.list(now), 'en', now, {
      query: { sort: 'stuck', chapter: 'traffic' },
    });
    assert.equal(traffic.split('\r\n').length, 3, 'the header, Ada, and the last line end');
  });
});

describe('GET /api/learners.csv', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await testHub({ tickMs: 60_000 });
    const report = await postReport(hub, {
      name: '@SUM(A1)',
      learner: 'sum-learner-00000001',
      results: [],
    });
    assert.equal(report.status, 204);
  });
  after(() => hub.close());

  const get = (path: string, token?: string) =>
    fetch(new URL(path, hub.url), {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });

  it('answers the view token only', async () => {
    assert.equal((await get('/api/learners.csv')).status, 401);
    assert.equal((await get('/api/learners.csv', hub.joinToken)).status, 401);
    const answer = await get('/api/learners.csv?lang=en', hub.viewToken);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(
      answer.headers.get('content-disposition') ?? '',
      /^attachment; filename="classroom-\d{4}-\d\d-\d\d-\d\d-\d\d\.csv"$/,
    );
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const text = await answer.text();
    assert.match(text, /^Learner,Chapter,/, 'fetch drops the byte order mark when it decodes');
    assert.match(text, /\r\n'@SUM\(A1\),,0,/);
  });

  it('refuses a query it does not know, saying what to use', async () => {
    const answer = await get('/api/learners.csv?sort=fastest', hub.viewToken);
    assert.equal(answer.status, 400);
    const body = (await answer.json()) as { code: string; message: string };
    assert.equal(body.code, 'bad-request');
    assert.match(body.message, /use one of stuck, chapter, name/);
  });
});
