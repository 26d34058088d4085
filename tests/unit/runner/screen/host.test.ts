import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { Screen, ScreenHost, ScreenLimits, workerScript } from '../../../../runner/screen/host.ts';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { serializeScreen } from '../../../../runner/screen/restore.js';
import { waitFor } from '../../support/poll.ts';
import { colouredLine, fillColoured } from '../../../coloured-lines.ts';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

/** Counts the pauses and resumes a session would apply to its pty. */
function flow() {
  const calls: string[] = [];
  return {
    calls,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    get paused() {
      return calls.filter((c) => c === 'pause').length > calls.filter((c) => c === 'resume').length;
    },
  };
}

const size = { cols: 60, rows: 10, scrollback: 200 };

/** The text of a serialized screen, escape sequences left out. */
const text = (serialized: string) =>
  serialized.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\x1b\][^\x07]*\x07/g, '').replace(/\r/g, '');

/** The text a screen shows once everything written to it is parsed, scrollback included. */
const shownText = async (screen: Screen) => text((await screen.serialize()).data);

describe('kept screen in a worker thread', () => {
  const host = new ScreenHost();
  const open: Screen[] = [];
  const screen = (f = flow()) => {
    const made = new Screen(size, f, host);
    open.push(made);
    return made;
  };
  after(() => {
    for (const made of open) made.dispose();
  });

  it('serializes everything written so far, in order, after a resize', async () => {
    const s = screen();
    s.write(Buffer.from('first line\r\nsecond line\r\n'));
    s.resize(80, 12);
    s.write(Buffer.from('\x1b[1;32mafter the resize\x1b[0m'));
    const { data: restored } = await s.serialize();
    assert.match(text(restored), /first line\nsecond line\nafter the resize/);
    assert.match(restored, /\x1b\[1;32m|\x1b\[32;1m/, 'the colour is kept');
    assert.deepEqual([s.cols, s.rows], [80, 12]);
  });

  it('skips a plain flood that scrolls out of the scrollback, and keeps its end exact', async () => {
    const s = screen();
    const lines = 20_000;
    for (let i = 0; i < lines; i += 500) {
      const chunk = Array.from({ length: 500 }, (_, k) => `flood ${i + k}\r\n`).join('');
      s.write(Buffer.from(chunk));
    }
    const shown = (await shownText(s)).trimEnd().split('\n');
    assert.equal(shown.at(-1), `flood ${lines - 1}`);
    assert.equal(shown.length, size.scrollback + size.rows - 1);
    assert.equal(shown[0], `flood ${lines - shown.length}`);
    assert.ok(s.skipped > 0, 'some of the flood was never parsed');
  });

  it('serializes ahead when asked, and answers from that copy only while nothing changed', async () => {
    const s = screen();
    const count = () => ({ ...host.serializations });
    s.write(Buffer.from('first\r\n'));
    s.prepare();
    let before = count();
    assert.match(await shownText(s), /first/);
    assert.equal(host.serializations.reused, before.reused + 1, 'the prepared copy was sent');

    // Output received after the prepare, while the worker still parses what came before it:
    // the copy must not hide it. (Colour on every line: none of it can be skipped.)
    s.write(Buffer.from('\x1b[31mred\x1b[0m filler filler filler filler\r\n'.repeat(20_000)));
    s.prepare();
    s.write(Buffer.from('second\r\n'));
    assert.match(await shownText(s), /filler\nsecond\n$/);
    before = count();
    assert.match(await shownText(s), /filler\nsecond\n$/);
    assert.equal(host.serializations.reused, before.reused + 1, 'nothing changed: kept');

    // The same size again (a page attaching) keeps the copy; another size does not.
    s.resize(s.cols, s.rows);
    before = count();
    await s.serialize();
    assert.equal(host.serializations.reused, before.reused + 1);
    s.resize(s.cols + 10, s.rows);
    before = count();
    assert.match(await shownText(s), /filler\nsecond\n$/);
    assert.equal(host.serializations.reused, before.reused, 'resized: serialized anew');
    s.write(Buffer.from('third'));
    assert.match(await shownText(s), /filler\nsecond\nthird$/);
  });

  it('serializes ahead once the output has gone quiet', async (t) => {
    // A host of its own, so that the prepare awaited is this screen's and no other's.
    const quiet = new ScreenHost();
    const prepare = t.mock.method(quiet, 'prepare');
    const s = new Screen(size, flow(), quiet);
    try {
      const written = performance.now();
      s.write(Buffer.from('quiet now\r\n'));
      await waitFor('the prepare of a quiet screen', () => prepare.mock.callCount() > 0);
      assert.ok(performance.now() - written >= ScreenLimits.quietMs, 'not before the quiet spell');
      assert.match(await shownText(s), /quiet now/);
      assert.deepEqual(quiet.serializations, { answered: 1, reused: 1 });
    } finally {
      s.dispose();
    }
  });

  it('pauses the pty while the worker has too much to parse, and resumes it after', async () => {
    const f = flow();
    const s = screen(f);
    // Colour on every line: nothing may be skipped, so all of it goes to the worker.
    const line = '\x1b[31mred\x1b[0m and some more text to make the line longer\r\n';
    const chunk = Buffer.from(line.repeat(Math.ceil((64 << 10) / line.length)));
    for (let sent = 0; sent < ScreenLimits.compactBytes + chunk.length; sent += chunk.length)
      s.write(chunk);
    assert.deepEqual(f.calls, ['pause'], 'paused as soon as too much went to the worker');
    await waitFor('the resume', () => !f.paused, 10_000, 10);
    assert.deepEqual(f.calls, ['pause', 'resume']);
    assert.match(await shownText(s), /red and some more text/);
  });

  it('a worker that dies resumes the pty, and its screens go on, marked as lost', async () => {
    const f = flow();
    const s = screen(f);
    s.write(Buffer.from('before the crash\r\n'));
    await s.serialize();
    const line = '\x1b[31mred\x1b[0m filler filler filler filler filler\r\n';
    s.write(Buffer.from(line.repeat(Math.ceil((ScreenLimits.compactBytes + 1) / line.length))));
    assert.ok(f.paused);
    assert.equal(s.lost, false);
    await host.crashForTest();
    assert.equal(s.lost, true);
    assert.ok(!f.paused, 'nothing waits for a worker that is gone');
    s.write(Buffer.from('after the crash\r\n'));
    const { data: restored } = await s.serialize();
    assert.doesNotMatch(text(restored), /before the crash/);
    assert.match(text(restored), /after the crash/);
  });

  it('stops starting a worker that cannot start, and the terminal runs on without it', async () => {
    const script = new URL('../../../fixtures/screen-worker/cannot-start.js', import.meta.url);
    const broken = new ScreenHost(script);
    const f = flow();
    const s = new Screen(size, f, broken);
    try {
      s.write(Buffer.from('output that cannot be kept\r\n'));
      // Answered, with nothing kept, instead of waiting for a worker for ever.
      assert.deepEqual(await s.serialize(), { data: '' });
      assert.equal(broken.starts, ScreenLimits.workerStarts);
      assert.equal(s.lost, true, 'the page is told that earlier output is gone');
      s.write(Buffer.alloc(ScreenLimits.pauseBytes * 2, 'y'));
      assert.deepEqual(await s.serialize(), { data: '' });
      assert.equal(f.paused, false, 'the pty is never held for a worker that is not there');
      assert.equal(broken.starts, ScreenLimits.workerStarts, 'and no worker was started again');
    } finally {
      s.dispose();
    }
    // Once every screen has closed, the next one tries again.
    const again = new Screen(size, flow(), broken);
    try {
      assert.deepEqual(await again.serialize(), { data: '' });
      assert.equal(broken.starts, 2 * ScreenLimits.workerStarts);
    } finally {
      again.dispose();
    }
  });
  it('sends a screen with a long scrollback with its visible rows apart, and a short one whole', async () => {
    const tall = { ...size, scrollback: 2 * ScreenLimits.visibleFirstLines };
    const long = new Screen(tall, flow(), host);
    open.push(long);
    const numbered = (count: number) =>
      Buffer.from(Array.from({ length: count }, (_, i) => `line ${i}\r\n`).join(''));
    // Its scrollback one line short of the length that has the visible rows sent apart (the
    // cursor is on the line after the last one written).
    long.write(numbered(ScreenLimits.visibleFirstLines + size.rows - 2));
    assert.deepEqual(Object.keys(await long.serialize()), ['data'], 'a short one is sent whole');
    long.write(Buffer.from('\r\n\x1b[1;31mthe last line\x1b[0m'));
    const { data, visible } = await long.serialize();
    assert.ok(visible !== undefined, 'the visible rows come apart');
    const rows = text(visible).split('\n');
    const all = text(data).split('\n');
    assert.equal(rows.length, size.rows, 'the visible rows, and no more');
    assert.deepEqual(rows, all.slice(-size.rows), 'as the whole screen ends');
    assert.equal(all.length, ScreenLimits.visibleFirstLines + size.rows, 'the whole screen');
    assert.match(visible, /\x1b\[1;31m|\x1b\[31;1m/, 'in colour');
  });
  it('ends the worker with the last screen, and starts it again for the next', async () => {
    for (const made of open.splice(0)) made.dispose();
    assert.equal(host.size, 0);
    assert.equal(host.running, false, 'no screen left: no worker');
    const s = screen();
    assert.equal(host.running, true);
    s.write(Buffer.from('a new worker'));
    assert.match(await shownText(s), /a new worker/);
  });
  it('parses one screen at a time, in the order the output came', async () => {
    // So that screens going quiet together are parsed, serialized and let go one by one, and the
    // worker holds one full buffer at a time (worker.js says more).
    const own = new ScreenHost();
    const parsed: string[] = [];
    const screenSize = { cols: 120, rows: 30, scrollback: 10_000 };
    const first = own.open(screenSize, () => parsed.push('first'));
    const second = own.open(screenSize, () => parsed.push('second'));
    try {
      for (let chunk = 0; chunk < 12; chunk++) {
        const lines = Array.from({ length: 1000 }, (_, k) => colouredLine(chunk * 1000 + k));
        own.write(first, Buffer.from(lines.join('')));
      }
      own.write(second, Buffer.from('one line\r\n'));
      await waitFor('every write to be parsed', () => parsed.length === 13, 60_000);
      assert.deepEqual(parsed, [...Array<string>(12).fill('first'), 'second']);
    } finally {
      own.close(first);
      own.close(second);
    }
  });
  it('lets a quiet screen go for its copy, and makes it again when output comes', async () => {
    // Two hosts, so that each worker's heap is one screen's: the same screen, one of them ending
    // in the middle of a character, which keeps its terminal (the parser holds that byte).
    const hosts = [new ScreenHost(), new ScreenHost()] as const;
    const [quiet, held] = hosts.map(
      (own) => new Screen({ cols: 120, rows: 30, scrollback: 10_000 }, flow(), own),
    ) as [Screen, Screen];
    try {
      const state = '\x1b[3;28r\x1b[5;7H\x1b[1;33m\x1b7\x1b[0m\x1b[?2004h\x1b]2;title\x07';
      fillColoured(quiet);
      fillColoured(held);
      quiet.write(Buffer.from(state + 'at rest'));
      held.write(Buffer.from(state + 'at rest \xe7', 'latin1'));
      const before = (await quiet.serialize()).data;
      quiet.prepare();
      held.prepare();
      const [asleep, awake] = await Promise.all(hosts.map((own) => own.heap({ collect: true })));
      assert.equal(asleep?.asleep, 1, 'the quiet screen sleeps');
      assert.equal(awake?.asleep, 0, 'the one in the middle of a character does not');
      const bytes = (heap: typeof asleep) => (heap?.used ?? NaN) + (heap?.external ?? NaN);
      assert.ok(
        bytes(asleep) < bytes(awake) - 8 * 2 ** 20,
        `asleep, the worker holds ${bytes(asleep)} bytes; awake, ${bytes(awake)}`,
      );
      // Asleep, it answers from its copy.
      assert.equal((await quiet.serialize()).data, before);
      // A terminal of the screen's size, given `data`, serialized: what a page shows of it.
      const shown = async (data: string) => {
        const terminal = new Terminal({
          cols: 120,
          rows: 30,
          scrollback: 10_000,
          allowProposedApi: true,
        });
        const serializer = new SerializeAddon();
        terminal.loadAddon(serializer);
        await new Promise<void>((resolve) => terminal.write(data, resolve));
        const screen = serializeScreen(terminal, serializer, 10_000);
        terminal.dispose();
        return screen;
      };
      const all = Array.from({ length: 12_000 }, (_, i) => colouredLine(i)).join('');
      // A little output is kept after the copy, and the screen sleeps on: what a page makes of
      // the answer is what a terminal that never slept shows, the bytes of a character cut at
      // the end left out (the page is sent them apart).
      const wakes = async () => (await hosts[0].heap({ collect: false }))?.wakes;
      const more = '\x1b8 restored\x1b[r\r\nafter 网';
      quiet.write(Buffer.from(more, 'utf8').subarray(0, -1));
      assert.equal(
        await shown((await quiet.serialize()).data),
        await shown(all + state + 'at rest' + more.slice(0, -1)),
      );
      assert.equal(await wakes(), 0, 'answered from the copy and the output after it');
      // More than the tail takes: the terminal is made again, and goes on from where it was.
      const flood = Array.from({ length: 5000 }, (_, i) => `line ${i} after the copy\r\n`);
      assert.ok(flood.join('').length > ScreenLimits.tailBytes);
      quiet.write(
        Buffer.concat([Buffer.from(more, 'utf8').subarray(-1), Buffer.from(flood.join(''))]),
      );
      assert.equal(
        await shown((await quiet.serialize()).data),
        await shown(all + state + 'at rest' + more + flood.join('')),
      );
      assert.equal(await wakes(), 1, 'made again for a flood');
    } finally {
      quiet.dispose();
      held.dispose();
    }
  });
});

describe("the screens' worker", () => {
  it('is JavaScript that Node runs as it is, so that it does not load the type stripper', () => {
    assert.match(workerScript.pathname, /\.js$/);
    const source = readFileSync(workerScript, 'utf8');
    const imports = [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0, 'the worker imports what it uses');
    assert.deepEqual(
      imports.filter((specifier) => specifier?.endsWith('.ts')),
      [],
      'no TypeScript module is loaded at run time (types come from JSDoc)',
    );
  });
});
