import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { ScreenBacklog, skippableRange } from '../../../../runner/screen/backlog.ts';

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

/** A small terminal, so that a few hundred lines fill its scrollback many times over. */
const size = { cols: 40, rows: 6, scrollback: 30 };
const keepLines = size.scrollback + 2 * size.rows;

/** What a terminal shows, scrollback included, after parsing `chunks` in order. */
async function screenAfter(chunks: readonly Buffer[]): Promise<string> {
  const terminal = new Terminal({ ...size, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  for (const chunk of chunks) await new Promise<void>((resolve) => terminal.write(chunk, resolve));
  const screen = serializer.serialize({ scrollback: size.scrollback });
  const cursor = `${terminal.buffer.active.cursorX},${terminal.buffer.active.cursorY}`;
  terminal.dispose();
  return `${screen}\ncursor ${cursor}`;
}

/**
 * Feeds `stream` through a backlog in `step`-byte chunks; as the runner does, a backlog that grows
 * past a threshold (here 16 KiB, a few hundred lines) is compacted and handed on.
 */
function compacted(stream: Buffer, step: number): { chunks: Buffer[]; skipped: number } {
  const backlog = new ScreenBacklog(keepLines);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += step) {
    backlog.push(stream.subarray(at, at + step));
    if (backlog.bytes >= 16_384) {
      backlog.compact();
      chunks.push(backlog.take());
    }
  }
  backlog.compact();
  chunks.push(backlog.take());
  return { chunks, skipped: backlog.skipped };
}

const lines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i)).join('');

/** Streams a learner's terminal sees, each with what compaction must do with it. */
const streams: { name: string; text: string; skips: boolean | number }[] = [
  {
    name: 'plain lines, as cat prints a log',
    text: 'prompt$ cat log\r\n' + lines(2000, (i) => `line ${i} ${'x'.repeat(i % 37)}\r\n`),
    skips: true,
  },
  {
    name: 'a colour set before the flood, and the cursor left mid-line after it',
    text: '\x1b[1;31m' + lines(2000, (i) => `red ${i}\r\n`) + '\x1b[0mtail without newline',
    skips: true,
  },
  {
    name: 'wide characters and lines longer than the terminal',
    text: lines(300, (i) => `${'网格'.repeat(i % 30)}|${'long '.repeat(i % 13)}\r\n`),
    skips: true,
  },
  {
    name: 'the flood inside the alternate screen, with a scroll region',
    text:
      '\x1b[?1049h\x1b[2;5r\x1b[3;1H' + lines(2000, (i) => `alt ${i}\r\n`) + '\x1b[r\x1b[?1049l',
    skips: true,
  },
  {
    name: 'the screen cleared and written over after the flood',
    text: lines(2000, (i) => `before ${i}\r\n`) + '\x1b[H\x1b[2Jtop\r\n\x1b[5;3Hmiddle',
    skips: true,
  },
  {
    name: 'colour on every line: nothing plain to skip',
    text: lines(2000, (i) => `\x1b[3${i % 8}mc${i}\x1b[0m\r\n`),
    skips: false,
  },
  {
    name: 'LF without CR (a program in raw mode): columns carry over, nothing skipped',
    text: lines(2000, (i) => `${i % 10}\n`),
    skips: false,
  },
  {
    name: 'lines ended with CR LF, then with LF alone',
    text: lines(300, (i) => `crlf ${i}\r\n`) + lines(2000, (i) => `${'-'.repeat(i % 7)}lf\n`),
    skips: 0.05,
  },
  {
    name: 'a C1 control in UTF-8 (CSI as U+009B) every 600 lines',
    text: lines(2000, (i) => (i % 600 === 0 ? '\u009b2K' : '') + `c1 ${i}\r\n`),
    // Only what lies between two controls, and far enough before the second, can go.
    skips: 0.05,
  },
];

describe('screen backlog: skipping plain text that scrolls out of reach', () => {
  for (const { name, text, skips } of streams)
    it(`restores the same screen: ${name}`, async () => {
      const stream = Buffer.from(text, 'utf8');
      const whole = await screenAfter([stream]);
      for (const step of [97, 1024]) {
        const { chunks, skipped } = compacted(stream, step);
        assert.equal(await screenAfter(chunks), whole, `in chunks of ${step} bytes`);
        const share = skips === true ? 1 / 3 : skips;
        if (share) assert.ok(skipped > stream.length * share, `skipped only ${skipped} bytes`);
        else assert.equal(skipped, 0);
      }
    });

  it('skips nothing unless enough plain lines follow', () => {
    const text = Buffer.from(lines(keepLines, (i) => `l${i}\r\n`));
    assert.equal(skippableRange(text, keepLines), undefined);
    const more = Buffer.from(lines(keepLines + 3, (i) => `l${i}\r\n`));
    const range = skippableRange(more, keepLines);
    assert.ok(range, 'three lines more than kept: two can go');
    assert.equal(more.subarray(range.start, range.end).toString(), 'l1\r\nl2\r\n');
  });

  it('never skips across an escape or a C1 control, even one far back', () => {
    for (const enter of ['\x1b[?1049h', '\u009b?1049h']) {
      const text = Buffer.from(
        lines(50, (i) => `a${i}\r\n`) + enter + lines(keepLines, (i) => `b${i}\r\n`),
      );
      assert.equal(skippableRange(text, keepLines), undefined, JSON.stringify(enter));
    }
    const ranged = skippableRange(
      Buffer.from(lines(50, (i) => `a${i}\r\n`) + '\x1b[31m' + lines(keepLines + 5, () => 'b\r\n')),
      keepLines,
    );
    assert.ok(ranged);
    assert.ok(ranged.start > 50 * 4, 'the skipped range starts after the escape');
  });

  it('keeps the count of what it skipped, and take() leaves it empty', () => {
    const backlog = new ScreenBacklog(keepLines);
    backlog.push(Buffer.from(lines(keepLines + 10, (i) => `${i}\r\n`)));
    const before = backlog.bytes;
    const skipped = backlog.compact();
    assert.ok(skipped > 0);
    assert.equal(backlog.bytes, before - skipped);
    assert.equal(backlog.skipped, skipped);
    assert.ok(backlog.take().length > 0);
    assert.equal(backlog.bytes, 0);
    assert.equal(backlog.compact(), 0);
  });
});
