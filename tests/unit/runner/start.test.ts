import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { mallocSettings } from '../../../runner/memory.js';
import { strippedSources } from '../../../runner/stripped-sources.js';

const root = new URL('../../../', import.meta.url);
const report = new URL('tests/fixtures/runner-start/report.mjs', root);

/** What tests/fixtures/runner-start/report.mjs reports of a process. */
interface ProcessReport {
  typeStripper: boolean;
  malloc: Record<string, string>;
  starts: number;
  flags: string[];
}

/** What a runner entry point's process was like, run with `--help` (it prints and exits). */
function entryReport(entry: string, env: Record<string, string> = {}): ProcessReport {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('MALLOC_') && name !== 'ISTIO_LAB_MEMORY',
    ),
  );
  const printed = execFileSync(
    process.execPath,
    ['--import', report.href, new URL(entry, root).pathname, '--help'],
    { encoding: 'utf8', env: { ...clean, ...env } },
  );
  const line = /^report (.+)$/m.exec(printed)?.[1];
  assert.ok(line, `${entry} printed no report:\n${printed}`);
  return JSON.parse(line) as ProcessReport;
}

describe("the runner's entry point", () => {
  it("runs the runner with malloc's settings and without Node's type stripper in its process", () => {
    const { typeStripper, malloc } = entryReport('runner/start.js');
    assert.deepEqual({ typeStripper, malloc }, { typeStripper: false, malloc: mallocSettings });
    // What the report sees when the runner is started as it used to be.
    const started = entryReport('runner/cli.ts');
    assert.deepEqual(
      { typeStripper: started.typeStripper, malloc: started.malloc },
      { typeStripper: true, malloc: {} },
    );
  });

  it('takes the memory measures by default, and none with ISTIO_LAB_MEMORY=plain', () => {
    const lean = entryReport('runner/start.js');
    // Where Node can start a process again in place (Linux, Node 22.15 and later).
    const restarts = process.platform === 'linux' && typeof process.execve === 'function';
    assert.equal(lean.starts, restarts ? 2 : 1, "started again, with malloc's settings");
    assert.deepEqual(lean.malloc, restarts ? mallocSettings : {});
    assert.ok(lean.flags.length > 0, 'V8 flags set at run time');
    assert.deepEqual(
      entryReport('runner/start.js', { ISTIO_LAB_MEMORY: 'lean' }).flags,
      lean.flags,
    );
    const plain = entryReport('runner/start.js', { ISTIO_LAB_MEMORY: 'plain' });
    assert.deepEqual(
      { starts: plain.starts, malloc: plain.malloc, flags: plain.flags },
      { starts: 1, malloc: {}, flags: [] },
      'started once, as Node starts any program',
    );
    assert.equal(plain.typeStripper, false, 'its TypeScript still stripped ahead');
  });

  it("keeps a learner's own malloc settings, and sets none of its own then", () => {
    assert.deepEqual(entryReport('runner/start.js', { MALLOC_ARENA_MAX: '4' }).malloc, {
      MALLOC_ARENA_MAX: '4',
    });
  });
});

describe("the runner's memory settings", () => {
  it('are loaded first, by the entry point and by cli.ts', () => {
    for (const file of ['runner/start.js', 'runner/cli.ts']) {
      const source = readFileSync(new URL(file, root), 'utf8');
      const first = /^import\s[^;]*?'([^']+)'/m.exec(source)?.[1];
      assert.equal(first, './memory.js', file);
    }
  });
});

describe("the runner's TypeScript, stripped ahead", () => {
  /** A folder of TypeScript files, and where its stripped files are kept. */
  function sourceSet() {
    const dir = mkdtempSync(join(tmpdir(), 'istio-lab-strip-'));
    const root = pathToFileURL(`${dir}/`);
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport const a: B = 1;\n");
    writeFileSync(join(dir, 'b.ts'), 'export type B = number;\n');
    writeFileSync(join(dir, 'c.d.ts'), 'export declare const c: number;\n');
    const set = { root, folders: ['./'], cacheFile: new URL('cache/stripped.json', root) };
    return { dir, set, done: () => rmSync(dir, { recursive: true, force: true }) };
  }

  it('strips each file, keeps every character where it was, and leaves declarations out', () => {
    const { set, done } = sourceSet();
    try {
      const sources = strippedSources(set);
      const a = sources?.get(new URL('a.ts', set.root).href);
      assert.equal(a?.length, readFileSync(new URL('a.ts', set.root), 'utf8').length);
      assert.match(a ?? '', /^\s+\nexport const a {4}= 1;\n$/);
      assert.deepEqual([...(sources?.keys() ?? [])].sort(), [
        new URL('a.ts', set.root).href,
        new URL('b.ts', set.root).href,
      ]);
    } finally {
      done();
    }
  });

  it('reads them from where they were kept until a file changes, then strips them again', () => {
    const { dir, set, done } = sourceSet();
    try {
      const first = strippedSources(set);
      const kept = statSync(set.cacheFile).mtimeMs;
      assert.deepEqual(strippedSources(set), first, 'the same files');
      assert.equal(statSync(set.cacheFile).mtimeMs, kept, 'read, not written again');
      writeFileSync(join(dir, 'b.ts'), 'export type B = string;\nexport const b: B = "b";\n');
      const changed = strippedSources(set)?.get(new URL('b.ts', set.root).href);
      assert.match(changed ?? '', /export const b {4}= "b";/);
    } finally {
      done();
    }
  });

  it('gives nothing when a file cannot be stripped, so that Node says what is wrong with it', () => {
    const { dir, set, done } = sourceSet();
    try {
      // An enum is TypeScript that stripping types alone cannot run.
      writeFileSync(join(dir, 'd.ts'), 'export enum D { One }\n');
      assert.equal(strippedSources(set), undefined);
    } finally {
      done();
    }
  });

  it('covers every file the runner loads: runner/ and src/lib/', () => {
    const root = new URL('../../../', import.meta.url);
    const cacheFile = new URL('node_modules/.cache/istio-lab/runner-stripped.json', root);
    const sources = strippedSources({ root, folders: ['runner/', 'src/lib/'], cacheFile });
    for (const file of ['runner/cli.ts', 'runner/terminal/session.ts', 'src/lib/wire/protocol.ts'])
      assert.ok(sources?.has(new URL(file, root).href), file);
  });
});
