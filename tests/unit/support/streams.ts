import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { keepLinesFor } from '../../../runner/screen/backlog.ts';

/**
 * Output streams a learner's terminal sees, and how to read what a terminal ends with after them:
 * for the tests of what may be skipped in a flood (runner/screen/backlog.ts and the runner's page
 * stream, runner/terminal/page-stream.ts).
 */

const { Terminal } = xtermHeadless;
const { SerializeAddon } = serializeAddon;

/** A small terminal, so that a few hundred lines fill its scrollback many times over. */
export const size = { cols: 40, rows: 6, scrollback: 30 };
export const keepLines = keepLinesFor(size.scrollback, size.rows);

/** What a terminal shows, scrollback included, after parsing `chunks` in order. */
export async function screenAfter(chunks: readonly Buffer[]): Promise<string> {
  const terminal = new Terminal({ ...size, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  for (const chunk of chunks) await new Promise<void>((resolve) => terminal.write(chunk, resolve));
  const screen = serializer.serialize({ scrollback: size.scrollback });
  const cursor = `${terminal.buffer.active.cursorX},${terminal.buffer.active.cursorY}`;
  terminal.dispose();
  return `${screen}\ncursor ${cursor}`;
}

export const lines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i)).join('');

/** Streams a learner's terminal sees, each with what compaction must do with it. */
export const streams: { name: string; text: string; skips: boolean | number }[] = [
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
    name: 'the flood inside the alternate screen, with a scroll region above its last row',
    // The cursor could be below the region, where lines do not scroll: nothing may be skipped.
    text:
      '\x1b[?1049h\x1b[2;5r\x1b[3;1H' + lines(2000, (i) => `alt ${i}\r\n`) + '\x1b[r\x1b[?1049l',
    skips: false,
  },
  {
    name: 'the flood inside the alternate screen, with a scroll region down to its last row',
    text:
      '\x1b[?1049h\x1b[2;6r\x1b[3;1H' + lines(2000, (i) => `alt ${i}\r\n`) + '\x1b[r\x1b[?1049l',
    skips: true,
  },
  {
    name: 'a flood under a scroll region, the cursor home above it',
    text:
      lines(40, (i) => `above ${i}\r\n`) +
      '\x1b[3;6r\x1b[H' +
      lines(2000, (i) => `region ${i}\r\n`),
    skips: true,
  },
  {
    name: 'the screen cleared and written over after the flood',
    text: lines(2000, (i) => `before ${i}\r\n`) + '\x1b[H\x1b[2Jtop\r\n\x1b[5;3Hmiddle',
    skips: true,
  },
  {
    name: 'a prompt with its marks, colour and a new line right after the flood',
    text:
      lines(2000, (i) => `flood ${i}\r\n`) +
      '^C\r\n\x1b]133;D;130\x07\r\n\x1b[1;32mlab\x1b[0m:~# \x1b]133;B\x07',
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
