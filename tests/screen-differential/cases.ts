import type { Step } from './compare.ts';

/**
 * The recorded cases: what programs print, as the bytes a pty hands over, with the resizes, keys
 * and reloads where they came. Each is made for a terminal size, since some (a scroll region
 * above a status line) say where the last row is. Floods are longer than the page's scrollback
 * and twice its rows, so that the runner skips some of them (runner/screen/backlog.ts).
 */

export interface Case {
  name: string;
  steps: (size: { cols: number; rows: number }) => Step[];
  /** The page is sent less than the pty wrote: the runner skips some of the flood. */
  skips?: boolean;
  /**
   * Played in real Chromium too, through a real runner and shell to the book's page
   * (tests/e2e/screen-differential.spec.ts): output and reloads only, no resize or key.
   */
  chromium?: boolean;
}

const bytes = (text: string): Step => ({ bytes: Buffer.from(text, 'utf8') });
const lines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i)).join('');
/**
 * Plain lines enough for some to be skipped: more than the page's window of bytes (which is sent
 * before the page falls behind) and then more than its scrollback and two screens.
 */
const flood = 24_000;
const prompt = '\x1b]133;A\x07\x1b[1;32mlab\x1b[0m:~# \x1b]133;B\x07';

export const cases: Case[] = [
  {
    name: 'a plain flood, as cat prints a log',
    skips: true,
    steps: () => [
      bytes(`${prompt}cat log\r\n`),
      bytes(lines(flood, (i) => `line ${i} ${'x'.repeat(i % 53)}\r\n`)),
      bytes(prompt),
    ],
  },
  {
    name: 'a colour flood',
    chromium: true,
    steps: () => [
      bytes(lines(flood / 2, (i) => `\x1b[3${i % 8}m${i}\x1b[1m bold\x1b[0m text ${i}\r\n`)),
      bytes(prompt),
    ],
  },
  {
    name: 'progress redrawn in place, then a plain flood',
    skips: true,
    steps: () => [
      bytes(lines(400, (i) => `\r\x1b[K[${'#'.repeat(i % 40).padEnd(40)}] ${i % 100}%`)),
      bytes('\r\n' + lines(flood, (i) => `done ${i} ${'d'.repeat(40)}\r\n`)),
      bytes(lines(300, (i) => `\rdownloading ${i} of 300`)),
    ],
  },
  {
    name: 'lines longer than the terminal, wrapping',
    steps: ({ cols }) => [
      bytes(
        lines(flood / 2, (i) => `${String(i).padStart(6)}${'w'.repeat((i * 7) % (cols * 3))}\r\n`),
      ),
      bytes('tail'),
    ],
  },
  {
    name: 'CJK and emoji, wide characters at the wrap',
    skips: true,
    steps: ({ cols }) => [
      bytes(
        lines(
          flood,
          (i) => `${'x'.repeat(i % 3)}${'网格'.repeat(((i % cols) >> 2) + 1)}😀 ${i}\r\n`,
        ),
      ),
      bytes('网'.repeat(cols)),
    ],
  },
  {
    name: 'the alternate screen, a flood inside it, reloaded there, left after',
    steps: ({ rows }) => [
      bytes(lines(50, (i) => `before ${i}\r\n`)),
      bytes(
        `\x1b[?1049h\x1b[H\x1b[2J\x1b[1;${rows - 1}r\x1b[${rows};1H\x1b[7m status \x1b[m\x1b[H`,
      ),
      bytes(lines(flood, (i) => `alt ${i}\r\n`)),
      { reload: true },
      bytes(lines(40, (i) => `alt after ${i}\r\n`)),
      bytes('\x1b[r\x1b[?1049l'),
      bytes('back in the main screen\r\n'),
    ],
  },
  {
    name: 'Ctrl-C in the middle of a flood',
    skips: true,
    steps: () => [
      bytes(lines(flood, (i) => `yes ${i} ${'y'.repeat(40)}\r\n`)),
      { key: '\x03' },
      bytes(lines(200, (i) => `yes late ${i}\r\n`)),
      bytes(`^C\r\n\x1b]133;D;130\x07${prompt}`),
    ],
  },
  {
    name: 'a resize in the middle of a flood',
    steps: ({ cols, rows }) => [
      bytes(lines(flood, (i) => `before ${i} ${'r'.repeat(i % 90)}\r\n`)),
      { resize: { cols: cols + 17, rows: rows + 5 } },
      bytes(lines(flood, (i) => `after ${i} ${'r'.repeat(i % 90)}\r\n`)),
    ],
  },
  {
    name: 'UTF-8 split across chunks',
    steps: () => {
      const text = Buffer.from(
        lines(3000, (i) => `é网😀 ${i}\r\n`),
        'utf8',
      );
      const steps: Step[] = [];
      for (let at = 0; at < text.length; at += 1021)
        steps.push({ bytes: text.subarray(at, at + 1021) });
      return steps;
    },
  },
  {
    name: 'a reload in the middle of a run',
    skips: true,
    steps: () => [
      bytes(lines(flood, (i) => `first ${i} ${'f'.repeat(40)}\r\n`)),
      { reload: true },
      bytes(lines(flood, (i) => `second ${i} ${'s'.repeat(40)}\r\n`)),
      { reload: true },
      bytes(prompt),
    ],
  },
  {
    name: 'a prompt, its marks and a title between short outputs',
    steps: () => [
      bytes(`\x1b]0;lab@kind\x07${prompt}kubectl get pods\r\n`),
      bytes('NAME   READY   STATUS\r\nweb-1  1/1     \x1b[32mRunning\x1b[0m\r\n'),
      { reload: true },
      bytes(`\x1b]133;D;0\x07${prompt}`),
    ],
  },
  // What did not match before.
  {
    name: 'a flood under a scroll region, the cursor home above it',
    chromium: true,
    steps: () => [
      bytes(lines(30, (i) => `above ${i}\r\n`)),
      bytes('\x1b[6;13r\x1b[H'),
      bytes(lines(flood, (i) => `region ${i}\r\n`)),
      { reload: true },
      bytes(lines(20, (i) => `more ${i}\r\n`)),
    ],
  },
  {
    name: 'a flood under a scroll region down to the last row, the cursor home above it',
    chromium: true,
    skips: true,
    steps: ({ rows }) => [
      bytes(lines(30, (i) => `above ${i}\r\n`)),
      bytes(`\x1b[6;${rows}r\x1b[H`),
      bytes(lines(flood, (i) => `region ${i} ${'r'.repeat(40)}\r\n`)),
      { reload: true },
      bytes(lines(20, (i) => `more ${i}\r\n`)),
    ],
  },
  {
    name: 'a status line drawn from the saved cursor, under a scroll region, across a reload',
    chromium: true,
    steps: ({ rows }) => {
      const status = (percent: number) =>
        `\x1b7\x1b[${rows};1H\x1b[42m\x1b[30mProgress: [${String(percent).padStart(3)}%]\x1b[0m\x1b[K\x1b8`;
      return [
        bytes(`\x1b[1;${rows - 1}r\x1b[${rows - 1};1H`),
        bytes(
          lines(200, (i) => `Unpacking package-${i} ...\r\n` + (i % 20 === 0 ? status(i / 2) : '')),
        ),
        bytes(`\x1b[31m\x1b7\x1b[0m`),
        { reload: true },
        bytes(lines(30, (i) => `Setting up package-${i} ...\r\n`) + status(99)),
        bytes('\x1b8saved'),
      ];
    },
  },
  {
    name: 'a reload in the middle of a character, CJK and emoji',
    chromium: true,
    steps: () => {
      const text = Buffer.from('before 网格 after', 'utf8');
      const cut = text.indexOf(Buffer.from('格', 'utf8')) + 2;
      const emoji = Buffer.from('😀', 'utf8');
      return [
        { bytes: text.subarray(0, cut) },
        { reload: true },
        { bytes: text.subarray(cut) },
        { bytes: Buffer.from('\x1b[3', 'utf8') },
        { reload: true },
        { bytes: Buffer.concat([Buffer.from('1mred\x1b[0m ', 'utf8'), emoji.subarray(0, 3)]) },
        { reload: true },
        { bytes: Buffer.concat([emoji.subarray(3), Buffer.from(' end', 'utf8')]) },
      ];
    },
  },
  {
    name: 'lines written below a scroll region, the long one first',
    steps: ({ rows, cols }) => [
      bytes(`\x1b[1;${rows - 4}r\x1b[${rows};1H`),
      bytes(`short\r\nshort\r\n${'L'.repeat(cols - 2)}\r\n`),
      bytes(lines(flood, (i) => `below ${i % 10}\r\n`)),
      { reload: true },
      bytes('end'),
    ],
  },
  {
    name: 'modes, the title, origin mode and the saved cursor across a reload',
    steps: ({ rows }) => [
      bytes(
        '\x1b]2;a window title\x07\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[4h\x1b[?25l',
      ),
      bytes(`\x1b[3;${rows - 2}r\x1b[?6h\x1b[2;4H\x1b[1;35msaved\x1b7\x1b[0m\x1b[5;1Hplain`),
      { reload: true },
      bytes('\x1b8 again\x1b[1;1Htop of the region\x1b[?7l' + 'n'.repeat(300)),
      { reload: true },
      bytes('\x1b[?6l\x1b[Habsolute top'),
    ],
  },
];
