/**
 * Output waiting to be parsed into a terminal's kept screen (runner/screen/host.ts). While output
 * streams, it waits here instead of being parsed at once, and plain text that the rest of the
 * backlog would push out of the scrollback anyway is skipped: parsing every byte of a flood costs
 * more than the whole trip from the pty to the page (docs/performance.md).
 *
 * What may be skipped, and why the restored screen is the same as if every byte had been parsed:
 * - Only "plain" bytes: printable text (UTF-8 included), tab, CR and LF. Nothing that changes the
 *   terminal's state beyond the cursor and the cells it writes: no escape (ESC), no other C0
 *   control, no DEL, no C1 control encoded in UTF-8. Modes, colours, character sets, the scroll
 *   region and the active buffer are the same on both sides of a skipped range.
 * - Whole lines only: the range starts just after a CR LF and ends with one, so the cursor is in
 *   column 0 on both sides of it and no UTF-8 sequence is cut.
 * - Only when at least `keepLines` plain lines follow it (scrollback + twice the rows): they move
 *   the cursor to the bottom and then scroll everything before them out of the scrollback, so
 *   nothing the skipped text wrote, nor where it left the cursor, is left to see.
 * One case is not exact, and no program that prints this much makes it: with the cursor below a
 * scroll region, lines do not scroll but overwrite the last row, and a skipped line longer than
 * the kept ones would have left its end there.
 */
/**
 * The plain lines that must follow a skipped range for a terminal of `rows` rows keeping
 * `scrollback` lines: they scroll everything before them out of reach (see ScreenBacklog).
 */
export function keepLinesFor(scrollback: number, rows: number): number {
  return scrollback + 2 * rows;
}

export class ScreenBacklog {
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Bytes skipped since this backlog was made (for the bench and the tests). */
  skipped = 0;

  /** Plain lines that must follow a skipped range: the scrollback and twice the rows. */
  keepLines: number;

  constructor(keepLines: number) {
    this.keepLines = keepLines;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  /** Everything waiting, in order, as one buffer; the backlog is then empty. */
  take(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#bytes = 0;
    return all;
  }

  /** Skips what may be skipped (see the class comment); returns the number of bytes skipped. */
  compact(): number {
    if (this.#bytes === 0) return 0;
    const all = this.take();
    const range = skippableRange(all, this.keepLines);
    if (!range) {
      this.push(all);
      return 0;
    }
    this.push(all.subarray(0, range.start));
    this.push(all.subarray(range.end));
    const skipped = range.end - range.start;
    this.skipped += skipped;
    return skipped;
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The bytes that are not plain: C0 controls other than tab, LF and CR (ESC first, the most
 * common), and DEL. A C1 control is 0xC2 followed by 0x80 to 0x9F in UTF-8: see lastNotPlain.
 */
const notPlain = [0x1b, 0x7f, ...Array.from({ length: 32 }, (_, byte) => byte)].filter(
  (byte, index, all) => byte !== 0x09 && byte !== LF && byte !== CR && all.indexOf(byte) === index,
);
const C1_LEAD = 0xc2;

/**
 * Where the last byte that is not plain is, in data[0, to), or -1. One native backward search
 * per byte value, each only after the last found so far: several times faster than a regular
 * expression or a loop in JavaScript over the same bytes.
 */
function lastNotPlain(data: Buffer, to: number): number {
  let last = -1;
  for (const byte of notPlain) {
    const found = data.subarray(last + 1, to).lastIndexOf(byte);
    if (found >= 0) last += 1 + found;
  }
  for (let lead = to - 2; lead > last; lead--) {
    lead = data.subarray(0, lead + 1).lastIndexOf(C1_LEAD);
    if (lead <= last) break;
    const next = data[lead + 1]!;
    if (next >= 0x80 && next <= 0x9f) return lead;
  }
  return last;
}

/** Where the last byte that is not plain is in data[from, to), or -1: see lastNotPlain. */
export function lastNotPlainIn(data: Buffer, from: number, to: number): number {
  const found = lastNotPlain(data.subarray(from, to), to - from);
  return found < 0 ? -1 : from + found;
}

/** The first CR LF that ends in data[from, to): the index just past its LF, or -1. */
function nextLineStart(data: Buffer, from: number, to: number): number {
  for (let lf = data.indexOf(LF, from); lf >= 0 && lf < to; lf = data.indexOf(LF, lf + 1))
    if (lf > from && data[lf - 1] === CR) return lf + 1;
  return -1;
}

/**
 * The range [start, end) of `data` that may be skipped, or undefined. `end` is just past a CR LF
 * that `keepLines` plain lines follow; `start` is just past the first CR LF of the plain run that
 * `end` is in, so that the range is plain whole lines. `notPlainBefore(to)` finds the last byte
 * that is not plain in data[0, to); a caller that has already searched part of `data` can say.
 * When too few plain lines follow the last byte that is not plain (a flood, then a prompt with its
 * escapes and a new line), the plain lines before that byte are tried on their own, once.
 */
export function skippableRange(
  data: Buffer,
  keepLines: number,
  notPlainBefore: (to: number) => number = (to) => lastNotPlain(data, to),
  lookBefore = true,
): { start: number; end: number } | undefined {
  // The last keepLines LFs, counted back from the end; the one before them ends the range.
  let lf = data.lastIndexOf(LF);
  const lastLf = lf;
  for (let counted = 0; lf >= 0 && counted < keepLines; counted++)
    lf = lf === 0 ? -1 : data.lastIndexOf(LF, lf - 1);
  // The range must end with CR LF: look further back for one.
  while (lf > 0 && data[lf - 1] !== CR) lf = data.lastIndexOf(LF, lf - 1);
  if (lf <= 0) return undefined;
  const end = lf + 1;
  // The kept lines must be plain up to their last LF, and so must the skipped range.
  const barrier = notPlainBefore(lastLf + 1);
  if (barrier >= end - 1)
    return lookBefore && barrier > 0
      ? skippableRange(data.subarray(0, barrier), keepLines, undefined, false)
      : undefined;
  const start = nextLineStart(data, barrier + 1, end);
  if (start < 0 || start >= end) return undefined;
  return { start, end };
}
