import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { LabCatalog } from '../../../runner/lab-catalog.ts';
import { startCli } from '../support/cli.ts';

/** A lab in the shape of tests/fixtures/labs/short.yaml, with extra cells if given. */
function labYaml(extraCells = ''): string {
  return `title: Short fixture chapter
order: 1000
cells:
  touch-flag:
    run: echo "flag set in %{kubeContext}"
${extraCells}checks:
  flag-set:
    run: echo on
    expect:
      equals: 'on'
    after: touch-flag
`;
}

describe('the lab catalog, reloaded when its files change', () => {
  const place = mkdtempSync(join(tmpdir(), 'istio-lab-catalog-'));
  const labs = join(place, 'labs');
  const versions = join(place, 'versions.yaml');
  const lab = join(labs, 'short.yaml');
  let logged: string[] = [];
  let catalog: LabCatalog;
  /** Each write gets a later mtime than the one before, whatever the file system's resolution. */
  let clock = Math.floor(Date.now() / 1000);
  const write = (file: string, text: string) => {
    writeFileSync(file, text);
    clock += 10;
    utimesSync(file, clock, clock);
  };

  beforeEach(() => {
    rmSync(labs, { recursive: true, force: true });
    mkdirSync(labs, { recursive: true });
    write(versions, 'kubeContext: kind-istio-lab\nistio: 1.31.1\n');
    write(lab, labYaml());
    logged = [];
    catalog = new LabCatalog([labs], versions, (message) => logged.push(message));
  });
  after(() => rmSync(place, { recursive: true, force: true }));

  it('sees a cell added to a lab file at the next lookup, without a restart', () => {
    const before = catalog.cell('short', 'touch-flag');
    assert.ok(before.ok);
    assert.equal(before.value.run, 'echo "flag set in kind-istio-lab"');
    const missing = catalog.cell('short', 'new-cell');
    assert.ok(!missing.ok);
    assert.equal(missing.code, 'unknown-cell');

    write(lab, labYaml('  new-cell:\n    run: echo "added while running"\n'));
    const added = catalog.cell('short', 'new-cell');
    assert.ok(added.ok, 'the new cell is found');
    assert.equal(added.value.run, 'echo "added while running"');
    assert.ok(catalog.cell('short', 'touch-flag').ok, 'the old cell is still there');
    assert.deepEqual(logged, []);
  });

  it('sees a new lab file and a changed pin', () => {
    assert.deepEqual(catalog.slugs, ['short']);
    write(join(labs, 'second.yaml'), 'title: Second\norder: 1001\n');
    assert.deepEqual(catalog.slugs.sort(), ['second', 'short']);
    write(versions, 'kubeContext: kind-other\nistio: 1.31.1\n');
    const cell = catalog.cell('short', 'touch-flag');
    assert.ok(cell.ok);
    assert.equal(cell.value.run, 'echo "flag set in kind-other"');
  });

  it('keeps a broken lab at its version loaded before, says why once, and reloads once it is fixed', () => {
    write(lab, labYaml('  new-cell:\n    run: echo "added while running"\n'));
    assert.ok(catalog.cell('short', 'new-cell').ok);

    write(lab, 'title: Short fixture chapter\ncells: [this is: not: valid\n');
    const kept = catalog.cell('short', 'new-cell');
    assert.ok(kept.ok, 'the cell loaded before is still there');
    assert.equal(kept.value.run, 'echo "added while running"');
    assert.ok(catalog.check('short', 'flag-set').ok);
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0] ?? '', /short\.yaml: line 2: is not valid YAML/);
    assert.match(logged[0] ?? '', /goes on with the version loaded before/);
    assert.match(catalog.problems.map((problem) => problem.message).join(), /short\.yaml/);

    // Looked up again with nothing changed: no new message for the same broken file.
    assert.ok(catalog.cell('short', 'touch-flag').ok);
    assert.equal(logged.length, 1, logged.join('\n'));

    // A lab that parses but breaks the schema is kept out the same way.
    write(lab, labYaml('  Not An Id:\n    run: echo nope\n'));
    assert.ok(catalog.cell('short', 'new-cell').ok);
    assert.equal(logged.length, 2, logged.join('\n'));
    assert.match(logged[1] ?? '', /short\.yaml: cells/);

    write(lab, labYaml('  fixed-cell:\n    run: echo fixed\n'));
    assert.ok(catalog.cell('short', 'fixed-cell').ok, 'the fixed file is loaded');
    assert.ok(!catalog.cell('short', 'new-cell').ok, 'and the cell it no longer has is gone');
    assert.deepEqual(catalog.problems, []);
    assert.equal(logged.length, 2);
  });

  it('goes on reloading the other labs while one is broken', () => {
    write(lab, 'title: Short fixture chapter\ncells: [this is: not: valid\n');
    assert.ok(catalog.cell('short', 'touch-flag').ok);
    write(
      join(labs, 'second.yaml'),
      'title: Second\norder: 1001\ncells:\n  hello:\n    run: echo hi\n',
    );
    const added = catalog.cell('second', 'hello');
    assert.ok(added.ok, 'a lab added beside a broken one is served');
    write(
      join(labs, 'second.yaml'),
      'title: Second\norder: 1001\ncells:\n  hello:\n    run: echo again\n',
    );
    const edited = catalog.cell('second', 'hello');
    assert.ok(edited.ok);
    assert.equal(edited.value.run, 'echo again', 'and its edits too');
  });

  it('serves the others when a lab is broken from the start, and answers broken-lab for it', () => {
    write(join(labs, 'broken.yaml'), '');
    const started = new LabCatalog([labs], versions, (message) => logged.push(message));
    assert.ok(started.cell('short', 'touch-flag').ok, 'the good lab is served');
    const broken = started.cell('broken', 'anything');
    assert.ok(!broken.ok);
    assert.equal(broken.code, 'broken-lab');
    assert.match(broken.message, /broken\.yaml: is empty/);
    assert.match(broken.message, /Fix: /);
    assert.match(
      logged.join('\n'),
      /broken\.yaml: is empty[\s\S]*cannot run until the file is fixed/,
    );
    assert.equal(started.problems.length, 1);
  });

  it('says what is wrong with an empty file, a folder named like a lab and an unclosed quote', () => {
    write(join(labs, 'empty.yaml'), '');
    mkdirSync(join(labs, 'folder.yaml'));
    // The quote opens on line 5 of 8; YAML's parser reports it past the end, on line 9.
    write(
      join(labs, 'quote.yaml'),
      'title: Quote\norder: 1002\ncells:\n  a:\n    run: "echo hi\n  b:\n    run: echo\nchecks: {}\n',
    );
    const problems = new Map(
      catalog.problems.map((problem) => [problem.file.replace(/^.*\//, ''), problem.message]),
    );
    assert.match(
      problems.get('empty.yaml') ?? '',
      /: is empty \(nothing but blank lines or comments\)/,
    );
    assert.doesNotMatch(problems.get('empty.yaml') ?? '', /received null/);
    assert.match(
      problems.get('folder.yaml') ?? '',
      /: is a folder, not a lab file\n  Fix: rename the folder/,
    );
    assert.doesNotMatch(problems.get('folder.yaml') ?? '', /YAML|EISDIR/);
    assert.match(
      problems.get('quote.yaml') ?? '',
      /: line 5: is not valid YAML\n  Fix: close the double quote/,
    );
    assert.ok(catalog.cell('short', 'touch-flag').ok, 'the good lab is still served');
  });

  it('keeps its labs when a lab folder is removed while it runs, and says so once', () => {
    rmSync(labs, { recursive: true, force: true });
    const cell = catalog.cell('short', 'touch-flag');
    assert.ok(cell.ok, 'the labs loaded before still answer');
    assert.ok(catalog.check('short', 'flag-set').ok);
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0] ?? '', /kept the labs loaded before: .*labs/);
    assert.ok(catalog.cell('short', 'touch-flag').ok);
    assert.equal(logged.length, 1, 'not once per lookup');
    mkdirSync(labs, { recursive: true });
    write(lab, labYaml('  back-again:\n    run: echo back\n'));
    assert.ok(catalog.cell('short', 'back-again').ok, 'the folder back is read again');
  });

  it('sees an edit that kept the file’s time but changed its length', () => {
    const stamp = clock;
    writeFileSync(lab, labYaml('  same-time:\n    run: echo same\n'));
    utimesSync(lab, stamp, stamp);
    assert.ok(catalog.cell('short', 'same-time').ok);
  });
});

describe('a runner with a broken lab file', () => {
  it('starts, names the file, and serves the other labs', async () => {
    const place = mkdtempSync(join(tmpdir(), 'istio-lab-broken-start-'));
    const labs = join(place, 'labs');
    mkdirSync(labs);
    writeFileSync(join(labs, 'broken.yaml'), 'title: "Broken\norder: 3000\n');
    const cli = startCli(['--port', '0', '--labs', labs], place);
    try {
      await cli.started();
      assert.match(cli.output(), /broken\.yaml: line 1: is not valid YAML/);
      const { url, token } = JSON.parse(readFileSync(join(place, 'runner.json'), 'utf8')) as {
        url: string;
        token: string;
      };
      const headers = { Authorization: `Bearer ${token}` };
      const check = await fetch(`${url}api/checks/broken/x`, { method: 'POST', headers });
      assert.equal(((await check.json()) as { code: string }).code, 'broken-lab');
      const doctor = (await (await fetch(`${url}api/doctor`, { headers })).json()) as {
        items: { id: string; status: string; detail: string }[];
      };
      const item = doctor.items.find((found) => found.id === 'labs');
      assert.equal(item?.status, 'warn');
      assert.match(item?.detail ?? '', /broken\.yaml: line 1/);
    } finally {
      await cli.stop();
      rmSync(place, { recursive: true, force: true });
    }
  });
});
