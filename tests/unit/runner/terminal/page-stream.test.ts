import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerMessage } from '../../../../src/lib/wire/protocol.ts';
import { FlowLimits } from '../../../../runner/terminal/flow-control.ts';
import { pageKeepLines, PageStream } from '../../../../runner/terminal/page-stream.ts';
import { Logger, type LogLevel } from '../../../../runner/log.ts';
import { lines, screenAfter, size, streams } from '../../support/streams.ts';

/** A page stream whose page records what it is sent, and the pty's holds and releases. */
function page(
  terminal: { scrollback: number; rows: number } = size,
  compactBytes?: number,
  log?: Logger,
) {
  const sent: Buffer[] = [];
  const order: string[] = [];
  const pty: string[] = [];
  const stream = new PageStream(
    {
      sendBytes: (data) => {
        sent.push(Buffer.from(data));
        order.push('bytes');
      },
      sendMessage: (message) => order.push(`message ${JSON.stringify(message)}`),
    },
    { hold: () => pty.push('hold'), release: () => pty.push('release') },
    terminal,
    { ...(compactBytes === undefined ? {} : { compactBytes }), ...(log ? { log } : {}) },
  );
  /** The page takes in everything, as a page that has caught up does. */
  const catchUp = () => {
    while (stream.unacknowledged > 0) stream.acknowledged(stream.unacknowledged);
  };
  return { stream, sent, order, pty, catchUp };
}

/** Plain 80-byte lines, more than the streaming window: the page is behind after them. */
const windowFull = Buffer.from(
  lines(
    Math.ceil(FlowLimits.streamingHighWatermark / 80) + 1,
    (i) => `${'w'.repeat(77)}${i % 10}\r\n`,
  ),
);

const cell = (state: string): ServerMessage =>
  ({ type: 'cell', lab: 'l', cell: 'c', state }) as ServerMessage;

describe('page stream: output for a page, and what a page that is behind can do without', () => {
  it('sends output as it comes while the page keeps up, and skips nothing', () => {
    const { stream, sent } = page();
    const text = Buffer.from(lines(5000, (i) => `line ${i}\r\n`));
    for (let at = 0; at < text.length; at += 4096) {
      stream.write(text.subarray(at, at + 4096));
      stream.acknowledged(stream.unacknowledged);
    }
    assert.deepEqual(Buffer.concat(sent), text);
    assert.equal(stream.skipped, 0);
    assert.equal(stream.waiting, 0);
  });

  for (const { name, text, skips } of streams)
    it(`leaves the page's screen as every byte would: ${name}`, async () => {
      const output = Buffer.from(text, 'utf8');
      const whole = await screenAfter([windowFull, output]);
      for (const step of [97, 4096]) {
        const { stream, sent, catchUp } = page(size, 4096);
        stream.write(windowFull);
        for (let at = 0; at < output.length; at += step)
          stream.write(output.subarray(at, at + step));
        catchUp();
        assert.equal(stream.waiting, 0);
        assert.equal(await screenAfter(sent), whole, `in chunks of ${step} bytes`);
        const share = skips === true ? 1 / 3 : skips;
        if (share)
          assert.ok(stream.skipped > output.length * share, `skipped only ${stream.skipped} bytes`);
        else assert.equal(stream.skipped, 0);
      }
    });

  it('still knows where the last escape is after the front of what waited was sent', async () => {
    // Colours that carry over from line to line, more than a window of them, then plain lines:
    // the plain lines' colour is the last one set, so no coloured line may be skipped.
    const coloured = Buffer.from(lines(60_000, (i) => `\x1b[3${i % 8}mc${i}\r\n`));
    const plain = Buffer.from(lines(100_000, (i) => `plain ${i}\r\n`));
    const { stream, sent, catchUp } = page(size, 4096);
    stream.write(windowFull);
    stream.write(coloured);
    stream.acknowledged(stream.unacknowledged);
    assert.ok(stream.waiting > 0 && stream.waiting < coloured.length, 'part of it was sent');
    for (let at = 0; at < plain.length; at += 4096) stream.write(plain.subarray(at, at + 4096));
    catchUp();
    assert.ok(stream.skipped > 0);
    assert.equal(await screenAfter(sent), await screenAfter([windowFull, coloured, plain]));
  });

  it('keeps a message behind the output that came before it', () => {
    const { stream, order, catchUp } = page();
    stream.message(cell('running'));
    stream.write(windowFull);
    stream.write(Buffer.from('the end of the cell\r\n'));
    stream.message(cell('done'));
    assert.deepEqual(order, [`message ${JSON.stringify(cell('running'))}`, 'bytes']);
    catchUp();
    assert.deepEqual(order.slice(2), ['bytes', `message ${JSON.stringify(cell('done'))}`]);
  });

  it('reads a plain flood to its end with no acknowledgement, and sends its last lines whole', () => {
    const keep = pageKeepLines(40);
    const { stream, sent, pty, catchUp } = page({ scrollback: FlowLimits.scrollback, rows: 40 });
    const flood = Buffer.from(
      lines(200_000, (i) => `${String(i).padStart(8, '0')} ${'p'.repeat(69)}\r\n`),
    );
    let most = 0;
    for (let at = 0; at < flood.length; at += 64 << 10) {
      stream.write(flood.subarray(at, at + (64 << 10)));
      most = Math.max(most, stream.waiting);
    }
    assert.deepEqual(pty, [], 'the pty is never held');
    assert.ok(most <= FlowLimits.backlogBytes, `${most} bytes waited`);
    catchUp();
    const received = Buffer.concat(sent);
    assert.ok(received.length < flood.length / 4, `sent ${received.length} of ${flood.length}`);
    assert.equal(received.length + stream.skipped, flood.length);
    // The last lines, as many as the page keeps, arrive whole and in order.
    const tail = (text: Buffer) => text.toString().split('\r\n').slice(-keep).join('\n');
    assert.equal(tail(received), tail(flood));
  });

  it('sends the end of a flood that stopped with a prompt compacted: only the lines kept', () => {
    const keep = pageKeepLines(40);
    const { stream, sent, catchUp } = page({ scrollback: FlowLimits.scrollback, rows: 40 });
    const line = (i: number) => `${String(i).padStart(8, '0')} ${'p'.repeat(69)}\r\n`;
    // As a pty hands it over: the last compaction while it came in was well before its end.
    stream.write(windowFull);
    const flood = Buffer.from(lines(keep * 2, line));
    for (let at = 0; at < flood.length; at += 64 << 10)
      stream.write(flood.subarray(at, at + (64 << 10)));
    stream.write(Buffer.from('^C\r\n\x1b]133;D;130\x07\r\n\x1b[1mlab\x1b[0m# '));
    const first = Buffer.concat(sent).length;
    catchUp();
    const after = Buffer.concat(sent).length - first;
    assert.ok(after < (keep + 2) * 80, `${after} bytes sent after the first window`);
    assert.ok(stream.skipped >= keep * 80 - 80);
  });

  it('holds the pty when more than the backlog waits and nothing can be skipped', () => {
    const { stream, sent, pty, catchUp } = page();
    const colours = Buffer.from(lines(300_000, (i) => `\x1b[3${i % 8}m${i}\x1b[0m\r\n`));
    let at = 0;
    while (pty.length === 0 && at < colours.length) {
      stream.write(colours.subarray(at, at + 4096));
      at += 4096;
    }
    assert.deepEqual(pty, ['hold']);
    assert.ok(stream.waiting > FlowLimits.backlogBytes);
    assert.ok(stream.waiting < FlowLimits.backlogBytes + 8192);
    assert.equal(stream.skipped, 0);
    stream.acknowledged(stream.unacknowledged);
    assert.deepEqual(pty, ['hold'], 'one window sent is not enough to release it');
    catchUp();
    assert.deepEqual(pty, ['hold', 'release']);
    stream.write(colours.subarray(at));
    catchUp();
    assert.deepEqual(Buffer.concat(sent), colours, 'every byte, in order');
  });

  it('sends everything on flush, window or not, and drops everything on reset', () => {
    const ended = page();
    ended.stream.write(windowFull);
    ended.stream.write(Buffer.from('last words\r\n'));
    ended.stream.message(cell('failed'));
    ended.stream.flush();
    assert.equal(ended.stream.waiting, 0);
    assert.match(Buffer.concat(ended.sent).toString().slice(-12), /last words/);
    assert.equal(ended.order.at(-1), `message ${JSON.stringify(cell('failed'))}`);

    const left = page();
    left.stream.write(windowFull);
    for (let i = 0; i < 40; i++) left.stream.write(Buffer.alloc(64 << 10, 0x1b));
    assert.deepEqual(left.pty, ['hold']);
    const before = left.sent.length;
    left.stream.reset();
    assert.deepEqual(left.pty, ['hold', 'release']);
    assert.equal(left.stream.waiting, 0);
    assert.equal(left.sent.length, before, 'nothing that waited is sent');
    left.stream.write(Buffer.from('x'));
    assert.equal(left.sent.length, before + 1, 'after a reset, output goes straight out');
  });

  describe('its log', () => {
    /** A page that draws nothing until told, with the stream's log lines kept. */
    function withholding(level: LogLevel) {
      const lines: string[] = [];
      const log = new Logger({ level, sink: (_level, line) => lines.push(line) });
      return { ...page(size, undefined, log.child({ session: 'main' })), lines };
    }
    /** Plain lines the page's scrollback would lose, then colours, which nothing can skip. */
    const flood = Buffer.concat([
      Buffer.from(lines(20_000, (i) => `${'f'.repeat(77)}${i % 10}\r\n`)),
      Buffer.from(lines(300_000, (i) => `\x1b[3${i % 8}m${i}\x1b[0m\r\n`)),
    ]);

    it('at trace, says when a page that withholds acknowledgements pauses and resumes it', () => {
      const { stream, lines, pty, catchUp } = withholding('trace');
      stream.write(windowFull);
      stream.write(flood);
      assert.ok(
        lines.some((line) =>
          /^trace page stream pauses: the page's window is full .*session=main/.test(line),
        ),
        lines.join('\n'),
      );
      assert.ok(lines.some((line) => /^trace page stream skips lines .*skipped=\d+/.test(line)));
      assert.deepEqual(pty, ['hold'], 'held the pty');
      assert.ok(lines.some((line) => /^trace page stream holds the pty/.test(line)));
      const before = lines.length;
      catchUp();
      assert.deepEqual(pty, ['hold', 'release']);
      assert.ok(
        lines
          .slice(before)
          .some((line) => /^trace page stream resumes: the page caught up/.test(line)),
      );
      assert.ok(
        lines.slice(before).some((line) => /^trace page stream releases the pty/.test(line)),
      );
    });

    it('at info, says nothing of it', () => {
      const { stream, lines, pty, catchUp } = withholding('info');
      stream.write(windowFull);
      stream.write(flood);
      catchUp();
      assert.deepEqual(pty, ['hold', 'release'], 'the same pause and resumption');
      assert.deepEqual(lines, []);
    });
  });
});
