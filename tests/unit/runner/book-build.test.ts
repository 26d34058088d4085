import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildBook, builtBase, isStale, staleBase, stampName } from '../../../runner/book-build.ts';

/** A stand-in for Astro's build: as many notices as the real one, its phase lines, an end. */
function fakeBuild(exitCode: number) {
  const script = `
    const say = (line) => console.log(line);
    say('09:39:28 [build] Building static entrypoints...');
    for (let i = 0; i < 300; i++) console.error('[WARN] [vite] module level directive ' + i);
    say('09:39:31 generating static routes');
    for (let i = 0; i < 350; i++) say('  ├─ /en/page-' + i + '/index.html (+30ms)');
    say('09:39:32 [starlight:pagefind] Building search index with Pagefind...');
    if (${exitCode} !== 0) console.error('[ERROR] src/content/docs/en/cluster.mdx: Unexpected closing tag');
    process.exitCode = ${exitCode};
  `;
  return { file: process.execPath, args: ['-e', script] };
}

describe('whether the book must be built again', () => {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-stale-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  /** A build stamped later than any source, for the base given. */
  function built(name: string, stamp: string): string {
    const dist = join(home, name);
    mkdirSync(dist);
    writeFileSync(join(dist, stampName), stamp);
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(join(dist, stampName), later, later);
    return dist;
  }

  it('not when the build is newer than its sources and made for the site root', () => {
    assert.equal(isStale(built('root', '2026-12-03T10:00:00.000Z\nbase=/\n')), false);
    // A stamp from before the base was recorded reads as the root.
    assert.equal(isStale(built('old', '2026-12-03T10:00:00.000Z')), false);
  });

  it('yes when it was made for a site under a path, which the runner cannot serve at its root', () => {
    assert.equal(
      isStale(built('pages', '2026-12-03T10:00:00.000Z\nbase=/istio-lab-book/\n')),
      true,
    );
    assert.equal(builtBase('x\nbase=/a/b/\n'), '/a/b/');
    assert.equal(staleBase(join(home, 'pages')), '/istio-lab-book/');
    assert.equal(staleBase(join(home, 'root')), undefined);
  });

  it('yes when there is no build', () => {
    assert.equal(isStale(join(home, 'nothing')), true);
  });
});

describe('building the book', () => {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-build-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('builds so that a broken lab stops only its own chapter (npm run build still fails on it)', async () => {
    const said: string[] = [];
    await buildBook(join(home, 'dist-tolerant'), (line) => said.push(line), {
      logFile: join(home, 'tolerant.log'),
      first: true,
      command: {
        file: process.execPath,
        args: [
          '-e',
          'process.exitCode = process.env.ISTIO_LAB_TOLERATE_BROKEN_LABS === "1" ? 0 : 3',
        ],
      },
    });
    assert.match(said.at(-1) ?? '', /Built in/);
  });

  it('shows one line per phase and where the messages went, and keeps them all in the log', async () => {
    const said: string[] = [];
    const logFile = join(home, 'build.log');
    await buildBook(join(home, 'dist'), (line) => said.push(line), {
      logFile,
      first: true,
      command: fakeBuild(0),
    });
    assert.equal(said[0], 'Building the book (first start; this takes a minute)...');
    assert.deepEqual(said.slice(1, 4), [
      '  Compiling the chapters...',
      '  Writing the pages...',
      '  Indexing the book for search...',
    ]);
    assert.match(
      said[4] ?? '',
      new RegExp(`^  Built in \\d+ s\\. The build's messages are in ${logFile}$`),
    );
    assert.equal(said.length, 5);
    const logged = readFileSync(logFile, 'utf8');
    assert.equal(logged.split('\n').filter(Boolean).length, 653);
  });

  it('says why it builds over a book built for a site under a path, and how to keep that apart', async () => {
    const said: string[] = [];
    await buildBook(join(home, 'dist'), (line) => said.push(line), {
      logFile: join(home, 'base.log'),
      first: false,
      base: '/book/',
      command: fakeBuild(0),
    });
    assert.match(said[0] ?? '', /was built for a site under \/book\/ .*cannot serve at its root/);
    assert.match(said[0] ?? '', /--outDir dist-site/);
    assert.doesNotMatch(said[0] ?? '', /sources changed/);
  });

  it('on failure shows the end of the messages, names the log, and says what to do', async () => {
    const said: string[] = [];
    const logFile = join(home, 'failed.log');
    await assert.rejects(
      buildBook(join(home, 'dist'), (line) => said.push(line), {
        logFile,
        first: false,
        command: fakeBuild(1),
      }),
      (error: Error) =>
        error.message.includes(logFile) && /Fix the file they name/.test(error.message),
    );
    assert.equal(said[0], 'Building the book (its sources changed since the last build)...');
    assert.match(said.join('\n'), /Unexpected closing tag/);
    assert.ok(said.join('\n').split('\n').length < 40, 'only the end of the messages');
  });

  it('a build that cannot start says so', async () => {
    const said: string[] = [];
    await assert.rejects(
      buildBook(join(home, 'dist'), (line) => said.push(line), {
        logFile: join(home, 'nothing.log'),
        first: false,
        command: { file: join(home, 'no-such-program'), args: [] },
      }),
      /did not build/,
    );
    assert.match(said.join('\n'), /could not start the build/);
  });
});
