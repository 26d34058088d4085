import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDuration } from '../../../src/lib/duration.ts';
import {
  LabError,
  labLinkProblems,
  loadLabFile,
  readPins,
  substitutePins,
  validateLab,
} from '../../../src/lib/lab-files.ts';
import { labSchema } from '../../../src/lib/lab-schema.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pins = readPins(join(root, 'content/versions.yaml'));

const valid = {
  title: 'A chapter',
  order: 3,
  cells: { 'say-hi': { run: 'echo hi', output: 'hi' } },
  checks: {
    'it-said-hi': {
      run: 'echo hi',
      expect: { contains: 'hi' },
      waitUpTo: '90s',
      interval: '500ms',
      after: 'say-hi',
    },
  },
};

/** The first problem validateLab reports for `data`, as the author would read it. */
function problem(data: unknown): LabError {
  try {
    validateLab(data, 'content/labs/example.yaml');
  } catch (error) {
    assert.ok(error instanceof LabError, `expected a LabError, got ${String(error)}`);
    return error;
  }
  assert.fail('the lab validated, but it should not have');
}

describe('lab schema', () => {
  it('accepts a valid lab and parses durations into milliseconds', () => {
    const lab = labSchema.parse(valid);
    assert.equal(lab.checks['it-said-hi']?.waitUpTo, 90_000);
    assert.equal(lab.checks['it-said-hi']?.interval, 500);
    assert.equal(lab.cells['say-hi']?.lang, 'bash');
    assert.deepEqual(lab.requires, []);
  });

  it('reads durations as people write them', () => {
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration(3), 3_000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration(-1), undefined);
  });

  const invalid: Array<[string, unknown, RegExp, RegExp]> = [
    ['an unknown key', { ...valid, extra: 1 }, /^$/, /unknown key\(s\) "extra"/],
    ['a cell without run', { ...valid, cells: { a: { output: 'x' } } }, /cells\.a\.run/, /string/],
    ['an empty run', { ...valid, cells: { a: { run: '  ' } } }, /cells\.a\.run/, /non-empty "run"/],
    ['a bad id', { ...valid, cells: { Bad_Id: { run: 'true' } } }, /cells/, /lower-case/],
    [
      'a bad duration',
      { ...valid, checks: { c: { run: 'true', waitUpTo: 'soon' } } },
      /checks\.c\.waitUpTo/,
      /30s, 2m/,
    ],
    [
      'an empty expect',
      { ...valid, checks: { c: { run: 'true', expect: {} } } },
      /checks\.c\.expect/,
      /proves nothing/,
    ],
    [
      'a bad pattern',
      { ...valid, checks: { c: { run: 'true', expect: { matches: '(' } } } },
      /matches/,
      /regular expression/,
    ],
    [
      'after naming no cell',
      { ...valid, checks: { c: { run: 'true', after: 'nope' } } },
      /checks\.c\.after/,
      /names cell "nope".*say-hi/,
    ],
    [
      'a cell and a check sharing an id',
      { ...valid, checks: { 'say-hi': { run: 'true' } } },
      /checks\.say-hi/,
      /both a cell and a check/,
    ],
    [
      'a run that YAML read as a boolean',
      { ...valid, cells: { a: { run: true } } },
      /cells\.a\.run/,
      /quote the value/,
    ],
    [
      'after naming a built-in property',
      { ...valid, checks: { c: { run: 'true', after: 'constructor' } } },
      /checks\.c\.after/,
      /names cell "constructor"/,
    ],
    [
      'a polling interval of 0',
      { ...valid, checks: { c: { run: 'true', interval: 0 } } },
      /checks\.c\.interval/,
      /tight loop/,
    ],
    [
      'a timeout of 0',
      { ...valid, checks: { c: { run: 'true', timeout: '0s' } } },
      /checks\.c\.timeout/,
      /every attempt at once/,
    ],
    ['a missing title', { order: 1 }, /title/, /"title" is missing[\s\S]*add title: \(a string\)/],
    [
      'a readiness check without its lab',
      { ...valid, ready: ['node-ready'] },
      /ready\.0/,
      /<lab>\/<check>/,
    ],
  ];
  for (const [name, data, key, message] of invalid) {
    it(`refuses ${name}, naming the file, the key and the fix`, () => {
      const error = problem(data);
      assert.equal(error.file, 'content/labs/example.yaml');
      assert.match(error.key, key);
      assert.match(error.message, message);
      assert.match(error.message, /Fix: /);
      assert.ok(error.fix.length > 0);
    });
  }
});

describe('links between labs', () => {
  const lab = (extra: object) => labSchema.parse({ ...valid, ...extra });
  it('accepts requires and ready that name labs and checks that exist', () => {
    const labs = new Map([
      ['first', lab({})],
      ['second', lab({ requires: ['first'], ready: ['first/it-said-hi'] })],
    ]);
    assert.deepEqual(labLinkProblems(labs), []);
  });
  it('names the lab, the reference and the choices when a link points nowhere', () => {
    const labs = new Map([
      ['first', lab({})],
      ['second', lab({ requires: ['zeroth'], ready: ['first/nope', 'nowhere/it-said-hi'] })],
    ]);
    const problems = labLinkProblems(labs);
    assert.equal(problems.length, 3);
    assert.match(
      problems[0] ?? '',
      /lab "second": requires: names lab "zeroth".*use one of first, second/,
    );
    assert.match(
      problems[1] ?? '',
      /ready: "first\/nope" names check "nope".*use one of it-said-hi/,
    );
    assert.match(problems[2] ?? '', /ready: "nowhere\/it-said-hi" names lab "nowhere"/);
  });
});

describe('lab files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'istio-lab-schema-'));

  it('substitutes pinned versions everywhere in a lab', () => {
    const lab = substitutePins(
      { cells: { a: { run: 'kind create cluster --image %{kindNodeImage}' } } },
      pins,
      'x.yaml',
    );
    assert.deepEqual(lab, {
      cells: { a: { run: `kind create cluster --image ${pins.kindNodeImage}` } },
    });
  });

  it('refuses a pin that the versions file does not have', () => {
    assert.throws(
      () => substitutePins({ cells: { a: { run: 'echo %{nope}' } } }, pins, 'content/labs/x.yaml'),
      (error: LabError) =>
        error.key === 'cells.a.run' &&
        /%\{nope\}/.test(error.message) &&
        /content\/versions\.yaml/.test(error.fix),
    );
  });

  it('reports YAML that does not parse with its line', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'title: x\ncells:\n  a: [unclosed\n');
    assert.throws(
      () => loadLabFile(file, pins),
      (error: LabError) => /not valid YAML/.test(error.message) && /line \d/.test(error.key),
    );
  });

  it('loads every lab the book ships', () => {
    const lab = loadLabFile(join(root, 'content/labs/cluster.yaml'), pins);
    assert.ok(Object.keys(lab.cells).length > 0);
    assert.ok(!JSON.stringify(lab).includes('%{'), 'no pin is left unsubstituted');
  });
});
