import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { IDisposable } from '@xterm/xterm';
import type { ServerMessage } from '../../../src/lib/wire/protocol.ts';
import type { DockStatus } from '../../../src/client/terminal-connection.ts';
import { answerJson, definePage, FakeSocket } from '../support/page.ts';

/**
 * The page end of the terminal WebSocket, in Node: a fake WebSocket class and the few browser
 * globals the module reads (support/page.ts), and a fake terminal. Time is node:test's mock
 * timers.
 */

function latest(): FakeSocket {
  const socket = FakeSocket.made.at(-1);
  assert.ok(socket, 'a socket was made');
  return socket;
}

/** An xterm.js terminal as far as the connection uses one; writes finish when the test says. */
function fakeTerminal() {
  const typed = new Set<(data: string) => void>();
  const binary = new Set<(data: string) => void>();
  const pending: Array<() => void> = [];
  /** What was written, in order, output decoded; `reset` where the terminal was reset. */
  const written: string[] = [];
  let disposed = 0;
  const listen = (set: Set<(data: string) => void>) => (listener: (data: string) => void) => {
    set.add(listener);
    return {
      dispose: () => {
        disposed += 1;
        set.delete(listener);
      },
    } satisfies IDisposable;
  };
  return {
    terminal: {
      cols: 80,
      rows: 24,
      onData: listen(typed),
      onBinary: listen(binary),
      write: (data: string | Uint8Array, callback?: () => void) => {
        written.push(typeof data === 'string' ? data : new TextDecoder().decode(data));
        if (callback) pending.push(callback);
      },
      writeln: () => {},
      reset: () => written.push('reset'),
      focus: () => {},
    },
    /** The learner types text. */
    type: (data: string) => typed.forEach((listener) => listener(data)),
    /** xterm emits bytes as a binary string (some mouse reports). */
    emitBinary: (data: string) => binary.forEach((listener) => listener(data)),
    /** Every write so far finishes being parsed. */
    finishWrites: () => pending.splice(0).forEach((callback) => callback()),
    written,
    listening: () => typed.size + binary.size,
    disposed: () => disposed,
  };
}

const screen = (data = '$ ') =>
  ({ type: 'screen', data, cols: 80, rows: 24 }) satisfies ServerMessage;

definePage({ fetch: answerJson({ ok: true, version: 'test' }) });

const { TerminalConnection } = await import('../../../src/client/terminal-connection.ts');
const { bus } = await import('../../../src/client/bus.ts');

/**
 * A connection to a fake terminal, and a view that counts the screens shown and keeps the rows
 * it was asked to preview, with the callback that says they are drawn (`canPreview`: whether it
 * takes them, as the dock does while its terminal is not open).
 */
function connection(canPreview = true) {
  const fake = fakeTerminal();
  const statuses: DockStatus[] = [];
  const view = { shown: 0, previewed: [] as string[], drawn: [] as Array<() => void> };
  const connection = new TerminalConnection(fake.terminal, (status) => statuses.push(status), {
    shown: () => view.shown++,
    preview: (rows, drawn) => {
      if (!canPreview) return false;
      view.previewed.push(rows);
      view.drawn.push(drawn);
      return true;
    },
  });
  return { fake, statuses, connection, view };
}

/** A screen with a long scrollback, and its visible rows, sent before it (runner/screen/host.ts). */
const longScreen = screen('scrollback\r\nrows');
const visibleRows = { type: 'visible', data: 'rows' } satisfies ServerMessage;

describe('TerminalConnection', () => {
  beforeEach(() => {
    FakeSocket.made = [];
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  });
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });

  it('reconnects after 0.5, 1, 2, 4, 8, then every 10 s, and after a screen from 0.5 s again', () => {
    const { connection: link } = connection();
    link.connect();
    for (const delay of [500, 1000, 2000, 4000, 8000, 10_000, 10_000]) {
      latest().open();
      latest().drop();
      const made = FakeSocket.made.length;
      mock.timers.tick(delay - 1);
      assert.equal(FakeSocket.made.length, made, `no new socket before ${delay} ms`);
      mock.timers.tick(1);
      assert.equal(FakeSocket.made.length, made + 1, `a new socket at ${delay} ms`);
    }
    latest().open();
    latest().message(screen());
    latest().drop();
    const made = FakeSocket.made.length;
    mock.timers.tick(499);
    assert.equal(FakeSocket.made.length, made);
    mock.timers.tick(1);
    assert.equal(FakeSocket.made.length, made + 1, 'back to 500 ms after a screen');
    link.dispose();
  });

  it('queues runs asked for before the session attached and sends them, in order, after the screen', () => {
    const { connection: link } = connection();
    link.connect();
    link.run({ lab: 'fixture', cell: 'one' });
    link.run({ lab: 'fixture', script: 'prepare' });
    const socket = latest();
    socket.open();
    link.run({ lab: 'fixture', cell: 'two' });
    assert.deepEqual(socket.sent, [], 'nothing before the screen');
    socket.message(screen());
    assert.deepEqual(socket.messages(), [
      { type: 'run', lab: 'fixture', cell: 'one' },
      { type: 'script', lab: 'fixture', script: 'prepare' },
      { type: 'run', lab: 'fixture', cell: 'two' },
    ]);
    link.run({ lab: 'fixture', cell: 'three' });
    assert.deepEqual(socket.messages().at(-1), { type: 'run', lab: 'fixture', cell: 'three' });
    link.dispose();
  });

  it('drops keystrokes while the restored screen is written, and sends those typed after it', () => {
    const { fake, connection: link } = connection();
    link.connect();
    const socket = latest();
    socket.open();
    socket.message(screen('old output\r\n$ '));
    fake.type('x');
    assert.deepEqual(socket.bytes(), [], 'not sent while the screen is written');
    fake.finishWrites();
    fake.type('y');
    assert.deepEqual(socket.bytes(), [[0x79]], 'only what was typed after');
    link.dispose();
  });

  it("has the view show a long screen's visible rows, then writes it whole, then the output held", () => {
    const { fake, connection: link, view } = connection();
    link.connect();
    const socket = latest();
    socket.open();
    socket.message(visibleRows);
    assert.deepEqual(view.previewed, ['rows'], 'the visible rows, to the view');
    assert.deepEqual(fake.written, [], 'not to the terminal');
    socket.message(longScreen);
    assert.deepEqual(fake.written, ['reset'], 'not yet the whole screen');
    socket.output('after the screen');
    fake.type('x');
    assert.deepEqual(fake.written, ['reset'], 'nor the output that follows it');
    view.drawn[0]?.();
    assert.deepEqual(
      fake.written,
      ['reset', 'scrollback\r\nrows', 'after the screen'],
      'once the rows are drawn: the whole screen, then the output that came meanwhile',
    );
    assert.equal(view.shown, 0, 'shown once written');
    fake.type('y');
    fake.finishWrites();
    assert.equal(view.shown, 1);
    fake.type('z');
    assert.deepEqual(socket.bytes(), [[0x7a]], 'keys count once the whole screen is written');
    view.drawn[0]?.();
    assert.equal(fake.written.length, 3, 'written once');
    link.dispose();
  });

  it('writes a long screen whole at once when the view cannot show its rows first', () => {
    const { fake, connection: link, view } = connection(false);
    link.connect();
    latest().open();
    latest().message(visibleRows);
    latest().message({ ...longScreen, lost: true });
    assert.equal(fake.written.length, 2);
    assert.match(fake.written[1] ?? '', /^.+\r\nscrollback\r\nrows$/, 'the lost output said first');
    latest().output('output');
    assert.equal(fake.written.at(-1), 'output', 'nothing held');
    fake.finishWrites();
    assert.equal(view.shown, 1);
    link.dispose();
  });

  it('writes a long screen at once when its rows were drawn before it came', () => {
    const { fake, connection: link, view } = connection();
    link.connect();
    latest().open();
    latest().message(visibleRows);
    view.drawn[0]?.();
    latest().message(longScreen);
    assert.deepEqual(fake.written, ['reset', 'scrollback\r\nrows']);
    link.dispose();
  });

  it('drops the rest of a long screen when a newer screen comes first', () => {
    const { fake, connection: link, view } = connection();
    link.connect();
    latest().open();
    latest().message(visibleRows);
    latest().message(longScreen);
    latest().output('old output');
    // Connected again at once, as when the learner takes the terminal back.
    link.connect();
    latest().open();
    latest().message(screen('the newer screen'));
    view.drawn[0]?.();
    assert.deepEqual(fake.written, ['reset', 'reset', 'the newer screen'], 'nothing of the old');
    latest().output('new output');
    assert.equal(fake.written.at(-1), 'new output', 'output is no longer held');
    link.dispose();
  });

  it('does not reconnect when another tab took the terminal (4001)', () => {
    const { statuses, connection: link } = connection();
    link.connect();
    latest().open();
    latest().drop(4001);
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.made.length, 1);
    assert.equal(statuses.at(-1)?.state, 'taken-over');
    assert.equal(statuses.at(-1)?.takeBack, true);
    link.dispose();
  });

  it("sends onBinary's bytes as those bytes, and typed text as UTF-8", () => {
    const { fake, connection: link } = connection();
    link.connect();
    const socket = latest();
    socket.open();
    socket.message(screen());
    fake.finishWrites();
    // An X10 mouse report past column 95: bytes 0x80 and up, one character each.
    fake.emitBinary('\x1b[M\x20\xe0\xff\x80');
    fake.type('é');
    assert.deepEqual(socket.bytes(), [
      [0x1b, 0x5b, 0x4d, 0x20, 0xe0, 0xff, 0x80],
      [0xc3, 0xa9],
    ]);
    link.dispose();
  });

  it('disposes twice without throwing: one close, no timers, the terminal listeners released', () => {
    const { fake, connection: link } = connection();
    link.connect();
    const first = latest();
    first.open();
    first.drop();
    // A reconnect is due; dispose stops it.
    link.dispose();
    link.dispose();
    assert.equal(fake.disposed(), 2);
    assert.equal(fake.listening(), 0);
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.made.length, 1, 'no reconnect after dispose');

    const other = connection();
    other.connection.connect();
    const socket = latest();
    socket.open();
    other.connection.dispose();
    other.connection.dispose();
    assert.equal(socket.closeCalls, 1, 'the socket closed once');
  });

  it('ignores a frame that is not a message it knows, and goes on', (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const seen: ServerMessage[] = [];
    const stop = bus.on('message', (message) => seen.push(message));
    const { statuses, connection: link } = connection();
    link.connect();
    const socket = latest();
    socket.open();
    for (const frame of [
      'not json',
      '{"type":"nope"}',
      '{"type":"screen","data":1,"cols":80,"rows":24}',
      '{"type":"cell","lab":"fixture","cell":"one","state":"sleeping"}',
      'null',
    ])
      assert.doesNotThrow(() => socket.receive(frame));
    assert.equal(warn.mock.callCount(), 5);
    assert.deepEqual(seen, []);
    assert.notEqual(statuses.at(-1)?.state, 'connected');
    socket.message(screen());
    assert.equal(seen.length, 1);
    assert.equal(statuses.at(-1)?.state, 'connected');
    stop();
    link.dispose();
  });
});
