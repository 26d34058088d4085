import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { pathToFileURL } from 'node:url';
import { labBook } from '../../../src/integrations/lab-book.ts';
import { brokenLabProblem, checkBook } from '../../../src/lib/book-check.ts';
import { tolerateBrokenLabsVariable } from '../../../src/lib/lab-files.ts';
import { labSchema } from '../../../src/lib/lab-schema.ts';
import { checkSummaries, findPlacements, placementProblems } from '../../../src/lib/placements.ts';

const root = new URL('../../..', import.meta.url).pathname;
const lab = labSchema.parse({
  title: 'T',
  order: 1,
  cells: { one: { run: 'true' } },
  checks: { two: { run: 'true' } },
});

describe('placements', () => {
  it('finds cells and checks in order, with their lines', () => {
    const mdx = `import { Cell, Check } from '~/components';\n\n<Cell id="one" />\n\n<Check id='two'>Text</Check>\n`;
    assert.deepEqual(findPlacements(mdx), [
      { kind: 'cell', id: 'one', line: 3 },
      { kind: 'check', id: 'two', line: 5 },
    ]);
  });

  it('summarises each check by its first sentence, as plain text, in any script', () => {
    const mdx = [
      '<Check id="node-ready">',
      '  The node reports **Ready** and <code>kubectl</code> uses the',
      "  [book's context](#context). Nothing else is needed.",
      '</Check>',
      "<Check id='zh'>节点已就绪。其余不需要。</Check>",
      '<Check id="no-stop">Полностью без точки в конце</Check>',
    ].join('\n');
    const summaries = checkSummaries(mdx);
    assert.equal(
      summaries.get('node-ready'),
      "The node reports Ready and kubectl uses the book's context.",
    );
    assert.equal(summaries.get('zh'), '节点已就绪。');
    assert.equal(summaries.get('no-stop'), 'Полностью без точки в конце');
  });

  it('names unknown ids, duplicates and swapped kinds with the fix', () => {
    const problems = placementProblems(
      [
        { kind: 'cell', id: 'one', line: 1 },
        { kind: 'cell', id: 'one', line: 2 },
        { kind: 'cell', id: 'two', line: 3 },
        { kind: 'check', id: 'three', line: 4 },
      ],
      lab,
      'lab "t"',
    );
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /line 2: .*placed twice/);
    assert.match(problems[1] ?? '', /line 3: "two" is a check .*write <Check id="two">/);
    assert.match(
      problems[2] ?? '',
      /line 4: <Check id="three"> names a check that lab "t" does not have; use one of: two/,
    );
  });

  it('passes the book as it is', () => {
    assert.deepEqual(
      checkBook({
        root,
        docDirs: [join(root, 'src/content/docs')],
        labDirs: [join(root, 'content/labs')],
      }),
      [],
    );
  });

  it('lists every invalid lab at once, not only the first', () => {
    const copy = mkdtempSync(join(tmpdir(), 'istio-lab-book-'));
    cpSync(join(root, 'content'), join(copy, 'content'), { recursive: true });
    writeFileSync(join(copy, 'content/labs/aaa.yaml'), 'order: 1\n');
    writeFileSync(join(copy, 'content/labs/zzz.yaml'), 'title: Z\norder: 2\nready: [nope]\n');
    const problems = checkBook({
      root: copy,
      docDirs: [join(root, 'src/content/docs')],
      labDirs: [join(copy, 'content/labs')],
    });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] ?? '', /aaa\.yaml: title: "title" is missing/);
    assert.match(problems[1] ?? '', /zzz\.yaml: ready\.0: is not valid[\s\S]*<lab>\/<check>/);
  });

  it('fails a book whose chapter places an id its lab lacks, naming the file and line', () => {
    const copy = mkdtempSync(join(tmpdir(), 'istio-lab-book-'));
    cpSync(join(root, 'content'), join(copy, 'content'), { recursive: true });
    mkdirSync(join(copy, 'docs/en'), { recursive: true });
    writeFileSync(
      join(copy, 'docs/en/cluster.mdx'),
      '---\ntitle: x\n---\n\n<Cell id="no-such-cell" />\n',
    );
    writeFileSync(
      join(copy, 'docs/en/orphan.mdx'),
      '---\ntitle: x\n---\n\n<Check id="x">t</Check>\n',
    );
    const problems = checkBook({
      root: copy,
      docDirs: [join(copy, 'docs')],
      labDirs: [join(copy, 'content/labs')],
    });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0] ?? '',
      /^docs\/en\/cluster\.mdx: line 5: <Cell id="no-such-cell"> names a cell that lab "cluster" does not have/,
    );
    assert.match(
      problems[1] ?? '',
      /^docs\/en\/orphan\.mdx: .*no lab "orphan".*create content\/labs\/orphan\.yaml/,
    );
  });

  it('stops the Astro build through the integration, listing every problem', () => {
    const copy = mkdtempSync(join(tmpdir(), 'istio-lab-build-'));
    cpSync(join(root, 'content'), join(copy, 'content'), { recursive: true });
    mkdirSync(join(copy, 'src/content/docs/en'), { recursive: true });
    writeFileSync(
      join(copy, 'src/content/docs/en/cluster.mdx'),
      '<Check id="create-cluster">x</Check>\n',
    );
    writeFileSync(
      join(copy, 'content/labs/broken.yaml'),
      'title: Broken\norder: 1\ncells:\n  a:\n    run: echo hi\n    colour: red\n',
    );
    const setup = labBook({ fixtures: false }).hooks['astro:config:setup'] as (
      options: unknown,
    ) => void;
    const build = (config: unknown) => () => setup({ config });
    assert.throws(
      build({ root: pathToFileURL(`${copy}/`) }),
      /broken\.yaml: cells\.a: has unknown key\(s\) "colour"[\s\S]*Fix: /,
    );
    writeFileSync(join(copy, 'content/labs/broken.yaml'), 'title: Fixed\norder: 1\n');
    assert.throws(
      build({ root: pathToFileURL(`${copy}/`) }),
      /1 problem\(s\):\n- src\/content\/docs\/en\/cluster\.mdx: line 1: "create-cluster" is a cell in lab "cluster"; write <Cell id="create-cluster"> instead/,
    );
  });

  it("in the runner's build, lets a broken lab stop only its chapter, which gets the error", () => {
    const copy = mkdtempSync(join(tmpdir(), 'istio-lab-tolerant-'));
    cpSync(join(root, 'content'), join(copy, 'content'), { recursive: true });
    writeFileSync(join(copy, 'content/labs/traffic.yaml'), '');
    const sources = {
      root: copy,
      docDirs: [join(root, 'src/content/docs')],
      labDirs: [join(copy, 'content/labs')],
    };
    assert.match(checkBook(sources).join('\n'), /traffic\.yaml: is empty/, 'a build fails');
    const warnings: string[] = [];
    assert.deepEqual(checkBook(sources, { brokenLabs: 'warn', warnings }), []);
    assert.match(warnings.join('\n'), /traffic\.yaml: is empty/);
    assert.match(brokenLabProblem(sources, 'traffic') ?? '', /traffic\.yaml: is empty[\s\S]*Fix: /);
    assert.equal(brokenLabProblem(sources, 'cluster'), undefined, 'a lab that loads');

    const setup = labBook({ fixtures: false }).hooks['astro:config:setup'] as (
      options: unknown,
    ) => void;
    const build = () => setup({ config: { root: pathToFileURL(`${copy}/`) } });
    assert.throws(build, /traffic\.yaml: is empty/);
    const warned = mock.method(console, 'warn', () => undefined);
    process.env[tolerateBrokenLabsVariable] = '1';
    try {
      build();
      assert.match(String(warned.mock.calls[0]?.arguments[0]), /traffic\.yaml: is empty/);
    } finally {
      delete process.env[tolerateBrokenLabsVariable];
      warned.mock.restore();
    }
  });
});
