/**
 * The skip engine: output waiting for a terminal, less the plain lines that the output after them
 * pushes out of reach anyway. The kept screen (runner/screen/host.ts) waits here before its worker
 * parses, and a page that is behind waits here in its page stream (runner/terminal/page-stream.ts):
 * parsing or drawing every byte of a flood costs more than the whole trip from the pty to the page
 * (docs/performance.md). One implementation for both, each byte scanned once as it comes.
 *
 * What may be skipped, and why the screen is the same as if every byte had been written:
 * - Only "plain" bytes: printable text (UTF-8 included), tab, CR and LF. Nothing that changes the
 *   terminal's state beyond the cursor and the cells it writes: no escape (ESC), no other C0
 *   control, no DEL, no C1 control encoded in UTF-8. Modes, colours, character sets, the scroll
 *   region and the active buffer are the same on both sides of a skipped range.
 * - Whole lines only: the range starts just after a CR LF and ends with one, so the cursor is in
 *   column 0 on both sides of it and no UTF-8 sequence is cut.
 * - Only when at least `keepLines` plain lines follow it (scrollback + twice the rows): once the
 *   cursor is inside the scroll region, each line feed at its bottom scrolls it, so they move the
 *   cursor to the bottom and then scroll everything before them out of the region and out of the
 *   scrollback: nothing the skipped text wrote, nor where it left the cursor, is left to see.
 * - Rows outside the scroll region never scroll, so the engine follows the region (DECSTBM, per
 *   buffer, reset by a resize, DECSTR, RIS and leaving the alternate screen). With a region that
 *   does not reach the top, the cursor may be above it, and the first lines after it are written
 *   to rows that stay: the first `rows` lines of each plain run are never skipped, after which the
 *   cursor is in the region. With a region that does not reach the bottom row, the cursor may be
 *   below it, where a line feed on the last row does nothing and each line is written over the
 *   last (a longer skipped line would leave its end there): nothing is skipped at all. The engine
 *   does not follow the cursor, so it assumes the worst of both.
 * The engine also keeps the bytes of an escape sequence or a UTF-8 character that has not ended:
 * a terminal's parser holds them, not its screen, so a restored screen is followed by them.
 */

/**
 * The plain lines that must follow a skipped range for a terminal of `rows` rows keeping
 * `scrollback` lines: they scroll everything before them out of reach.
 */
export function keepLinesFor(scrollback: number, rows: number): number {
  return scrollback + 2 * rows;
}

const LF = 0x0a;
const CR = 0x0d;
const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
const C1_LEAD = 0xc2;
/** What follows ESC to start a string: OSC, DCS, SOS, PM, APC. */
const stringStarts = [0x5d, 0x50, 0x58, 0x5e, 0x5f];

/** Byte classes: 0 plain, 1 a control, 2 the lead byte of a UTF-8 C1 control (maybe). */
const byteClass = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) byteClass[byte] = 1;
byteClass[0x09] = 0;
byteClass[LF] = 0;
byteClass[CR] = 0;
byteClass[0x7f] = 1;
byteClass[C1_LEAD] = 2;

/** Where the parser is: in text, or in an escape sequence of one kind or another. */
const Parse = {
  ground: 0,
  /** After ESC, with its intermediate bytes. */
  escape: 1,
  /** After CSI, with its parameters and intermediate bytes. */
  csi: 2,
  /** In an OSC, DCS, SOS, PM or APC string, up to its terminator. */
  string: 3,
  /** ESC inside such a string: `\` ends it, anything else starts a new escape. */
  stringEscape: 4,
  /** After 0xC2 in text: a C1 control if the next byte is 0x80 to 0x9F. */
  c1: 5,
} as const;
type Parse = (typeof Parse)[keyof typeof Parse];

/** The scroll region of one buffer, as far as skipping cares. */
interface Region {
  /** It may not start at the top row: the cursor may be above it. */
  top: boolean;
  /** It may not end at the bottom row: the cursor may be below it. */
  bottom: boolean;
}

/** What the engine knows of the terminal at the end of what it has scanned; copied to seed another. */
export interface ScanState {
  parse: Parse;
  /** CSI parameters and intermediates so far (up to a limit). */
  params: string;
  /** The string being read is an OSC (BEL ends it). */
  osc: boolean;
  alternate: boolean;
  normal: Region;
  alt: Region;
  /** The largest number of rows the terminal has had (a region is judged against it). */
  maxRows: number;
  /**
   * Bytes of an escape sequence or UTF-8 character that has not ended, or undefined when there
   * are none or they were too many to keep (`pendingLimit`).
   */
  pending: Buffer | undefined;
}

const pendingLimit = 4096;
/** No pending bytes (shared: never written to). */
const none = Buffer.alloc(0);

export function initialScanState(rows: number): ScanState {
  return {
    parse: Parse.ground,
    params: '',
    osc: false,
    alternate: false,
    normal: { top: false, bottom: false },
    alt: { top: false, bottom: false },
    maxRows: rows,
    pending: Buffer.alloc(0),
  };
}

function copyState(state: ScanState): ScanState {
  return {
    ...state,
    normal: { ...state.normal },
    alt: { ...state.alt },
    pending: state.pending && Buffer.from(state.pending),
  };
}

/** A run of plain bytes, in queue positions: [start, end), `end` undefined while it is open. */
interface Run {
  start: number;
  end: number | undefined;
  /** Line feeds at its start that must stay (see the module comment); Infinity: none may go. */
  keepFirst: number;
}

/** Something other than bytes that waits in the queue at a position (a page stream's message). */
interface Mark<T> {
  at: number;
  value: T;
}

export class SkipEngine<T = never> {
  /** Plain lines that must follow a skipped range: the scrollback and twice the rows. */
  keepLines: number;
  /** Bytes skipped since this engine was made (for the bench and the tests). */
  skipped = 0;
  #scrollback: number;
  #state: ScanState;
  #chunks: Buffer[] = [];
  /** Queue positions of the first byte waiting and of the end of what waits. */
  #head = 0;
  #tail = 0;
  /** Runs that ended and are long enough to try, then the open run (if in text). */
  #closed: Run[] = [];
  /** The open run, reused from one escape to the next (a colour flood has one on every line). */
  #open: Run = { start: 0, end: undefined, keepFirst: 1 };
  #openActive = false;
  #marks: Mark<T>[] = [];

  constructor(size: { scrollback: number; rows: number }, from?: ScanState) {
    this.#scrollback = size.scrollback;
    this.keepLines = keepLinesFor(size.scrollback, size.rows);
    this.#state = from ? copyState(from) : initialScanState(size.rows);
    this.#state.maxRows = Math.max(this.#state.maxRows, size.rows);
    if (this.#state.parse === Parse.ground) this.#newRun(0);
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#tail - this.#head;
  }

  /** Whether nothing waits: no bytes, no marks. */
  get empty(): boolean {
    return this.#tail === this.#head && this.#marks.length === 0;
  }

  /** A copy of what the engine knows at the end of what it has scanned. */
  state(): ScanState {
    return copyState(this.#state);
  }

  /** The terminal was resized: a resize resets the bottom of both buffers' scroll regions. */
  resize(rows: number): void {
    this.keepLines = keepLinesFor(this.#scrollback, rows);
    this.#state.maxRows = Math.max(this.#state.maxRows, rows);
    this.#state.normal.bottom = false;
    this.#state.alt.bottom = false;
    // What comes next is written at the new size, from where the region now lets it skip.
    if (this.#openActive) {
      this.#closeRun(this.#tail);
      this.#newRun(this.#tail);
    }
  }

  /** Scans bytes that are not kept (sent on at once), so that the engine knows what they did. */
  pass(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#scan(chunk, undefined);
  }

  /** Adds bytes to the queue. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#scan(chunk, this.#tail);
    this.#tail += chunk.length;
  }

  /** Adds a mark after the bytes that wait: no skipped range spans it. */
  mark(value: T): void {
    this.#closeRun(this.#tail);
    if (this.#state.parse === Parse.ground) this.#newRun(this.#tail);
    this.#marks.push({ at: this.#tail, value });
  }

  /**
   * The next thing in the queue: up to `max` bytes (never past a mark), or a mark; undefined when
   * nothing waits.
   */
  next(max = Infinity): { bytes: Buffer } | { mark: T } | undefined {
    const mark = this.#marks[0];
    if (mark && mark.at === this.#head) {
      this.#marks.shift();
      return { mark: mark.value };
    }
    if (this.#head === this.#tail) return undefined;
    const limit = Math.min(max, (mark ? mark.at : this.#tail) - this.#head);
    const first = this.#chunks[0]!;
    let piece: Buffer;
    if (first.length <= limit) {
      piece = first;
      this.#chunks.shift();
    } else {
      piece = first.subarray(0, limit);
      this.#chunks[0] = first.subarray(limit);
    }
    this.#advance(piece.length);
    return { bytes: piece };
  }

  /** Everything waiting, in order, as one buffer (marks dropped); the queue is then empty. */
  take(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#marks = [];
    this.#advance(all.length);
    return all;
  }

  /** Drops everything waiting (the scan state stays: it describes what was written). */
  clear(): void {
    this.#chunks = [];
    this.#marks = [];
    this.#advance(this.#tail - this.#head);
  }

  /** Skips what may be skipped (see the module comment); returns the number of bytes skipped. */
  compact(): number {
    const runs = [...this.#closed];
    this.#closed = [];
    if (this.#openActive) runs.push(this.#open);
    if (runs.length === 0 || this.bytes === 0) return 0;
    let data = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    let skipped = 0;
    // Last first: a range removed moves only what comes after it.
    for (const run of runs.reverse()) {
      const range = skippableRange(
        data,
        run.start - this.#head,
        (run.end ?? this.#tail) - this.#head,
        this.keepLines,
        run.keepFirst,
      );
      if (!range) continue;
      const length = range.end - range.start;
      data = Buffer.concat([data.subarray(0, range.start), data.subarray(range.end)]);
      this.#removed(this.#head + range.start, length);
      skipped += length;
    }
    this.#chunks = data.length > 0 ? [data] : [];
    this.skipped += skipped;
    return skipped;
  }

  /** The queue lost [at, at + length): everything after it moves back. */
  #removed(at: number, length: number): void {
    this.#tail -= length;
    const move = (position: number) => (position >= at + length ? position - length : position);
    for (const run of [...this.#closed, this.#open]) {
      run.start = move(run.start);
      if (run.end !== undefined) run.end = move(run.end);
    }
    for (const mark of this.#marks) mark.at = move(mark.at);
  }

  /** `count` bytes left the front of the queue. */
  #advance(count: number): void {
    this.#head += count;
    this.#closed = this.#closed.filter((run) => run.end! > this.#head);
    // What is left of a run starts where the queue does; it keeps its first lines all the same.
    for (const run of [...this.#closed, this.#open])
      if (run.start < this.#head) run.start = this.#head;
  }

  /** A run of plain bytes opens at `start`, with the first lines the region makes it keep. */
  #newRun(start: number): void {
    const region = this.#state.alternate ? this.#state.alt : this.#state.normal;
    this.#open.start = start;
    this.#open.end = undefined;
    this.#open.keepFirst = region.bottom ? Infinity : region.top ? this.#state.maxRows + 1 : 1;
    this.#openActive = true;
  }

  /** The open run ends at `at` (a byte that is not plain, or a mark). */
  #closeRun(at: number): void {
    if (!this.#openActive) return;
    this.#openActive = false;
    const { start, keepFirst } = this.#open;
    // Too short to hold the lines that must follow a skipped range: nothing to try.
    if (keepFirst !== Infinity && at - start > 2 * this.keepLines)
      this.#closed.push({ start, end: at, keepFirst });
  }

  /**
   * Reads `chunk` through the state machine. `at`: its position in the queue, for the runs; a
   * chunk only passed through has none, and ends any run.
   */
  #scan(chunk: Buffer, at: number | undefined): void {
    const state = this.#state;
    if (at === undefined) this.#openActive = false;
    else if (!this.#openActive && state.parse === Parse.ground) this.#newRun(at);
    /** Where the sequence open at the end began in this chunk; -2: in an earlier one. */
    let pendingFrom = state.parse === Parse.ground ? -1 : -2;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (state.parse) {
        case Parse.ground: {
          while (i < n && byteClass[chunk[i]!] === 0) i++;
          if (i >= n) break;
          const byte = chunk[i]!;
          if (byte === C1_LEAD) {
            state.parse = Parse.c1;
            pendingFrom = i;
            i++;
            break;
          }
          // A control: the run of plain bytes ends here.
          if (at !== undefined) this.#closeRun(at + i);
          i++;
          if (byte === ESC) {
            state.parse = Parse.escape;
            state.params = '';
            pendingFrom = i - 1;
          } else if (at !== undefined) this.#newRun(at + i);
          break;
        }
        case Parse.c1: {
          const byte = chunk[i]!;
          if (byte >= 0x80 && byte <= 0x9f) {
            if (at !== undefined) this.#closeRun(at + i - 1);
            i++;
            this.#c1(byte, at === undefined ? undefined : at + i);
          } else state.parse = Parse.ground;
          break;
        }
        case Parse.escape: {
          const byte = chunk[i++]!;
          if (byte >= 0x20 && byte <= 0x2f) state.params += String.fromCharCode(byte);
          else if (byte === ESC) state.params = '';
          else if (byte === CAN || byte === SUB) this.#ground(at, i);
          else if (byte < 0x20) {
            // A C0 control inside an escape is carried out; the escape goes on.
          } else if (state.params === '' && byte === 0x5b) {
            state.parse = Parse.csi;
          } else if (state.params === '' && stringStarts.includes(byte)) {
            state.parse = Parse.string;
            state.osc = byte === 0x5d;
          } else {
            // ESC c is a full reset; ESC 7, ESC 8, charsets and the rest change no region.
            if (state.params === '' && byte === 0x63) this.#fullReset();
            this.#ground(at, i);
          }
          break;
        }
        case Parse.csi: {
          // Parameters and intermediates are only read for the few sequences that matter here.
          const from = i;
          while (i < n && chunk[i]! >= 0x20 && chunk[i]! <= 0x3f) i++;
          if (i >= n) {
            state.params += chunk.toString('latin1', from, Math.min(n, from + 64));
            break;
          }
          const byte = chunk[i++]!;
          if (byte >= 0x40 && byte <= 0x7e) {
            if (byte === 0x72 || byte === 0x68 || byte === 0x6c || byte === 0x70)
              this.#csi(state.params + chunk.toString('latin1', from, i - 1), byte);
            this.#ground(at, i);
          } else if (byte === ESC) {
            state.parse = Parse.escape;
            state.params = '';
          } else if (byte === CAN || byte === SUB) this.#ground(at, i);
          else if (byte < 0x20) state.params += chunk.toString('latin1', from, i - 1);
          break;
        }
        case Parse.string: {
          while (i < n) {
            const byte = chunk[i]!;
            if (byte === ESC || byte === CAN || byte === SUB || (byte === BEL && state.osc)) break;
            // ST as a C1 control in UTF-8.
            if (byte === 0x9c && i > 0 && chunk[i - 1] === C1_LEAD) break;
            i++;
          }
          if (i >= n) break;
          const byte = chunk[i++]!;
          if (byte === ESC) state.parse = Parse.stringEscape;
          else this.#ground(at, i);
          break;
        }
        case Parse.stringEscape: {
          if (chunk[i] === 0x5c) {
            i++;
            this.#ground(at, i);
          } else {
            // Any other byte after ESC ends the string and is read as part of a new escape.
            state.parse = Parse.escape;
            state.params = '';
          }
          break;
        }
      }
      if (state.parse === Parse.ground) pendingFrom = -1;
    }
    if (state.parse === Parse.ground) state.pending = utf8Tail(state.pending, chunk);
    else {
      const kept =
        pendingFrom >= 0
          ? chunk.subarray(pendingFrom)
          : state.pending && Buffer.concat([state.pending, chunk]);
      state.pending = kept && kept.length <= pendingLimit ? Buffer.from(kept) : undefined;
    }
  }

  /** Back in text after a sequence that ended just before `i`. */
  #ground(at: number | undefined, i: number): void {
    this.#state.parse = Parse.ground;
    this.#state.params = '';
    this.#state.pending = none;
    if (at !== undefined) this.#newRun(at + i);
  }

  /** A C1 control (from UTF-8) just before `runAt`: CSI, OSC and strings start a sequence. */
  #c1(byte: number, runAt: number | undefined): void {
    const state = this.#state;
    state.params = '';
    if (byte === 0x9b) state.parse = Parse.csi;
    else if (byte === 0x9d || byte === 0x90 || byte === 0x98 || byte === 0x9e || byte === 0x9f) {
      state.parse = Parse.string;
      state.osc = byte === 0x9d;
    } else this.#ground(runAt, 0);
  }

  #csi(params: string, final: number): void {
    const state = this.#state;
    const region = state.alternate ? state.alt : state.normal;
    const prefix = params.length > 0 && params.charCodeAt(0) >= 0x3c ? params[0] : '';
    const intermediates = params.replace(/[0-?]/g, '');
    const numbers = params.replace(/[^0-9;:]/g, '');
    if (final === 0x72 /* r */ && prefix === '' && intermediates === '') {
      // DECSTBM, as xterm reads it: top defaults to 1, a bottom of 0 or past the screen is the last row.
      const [top = 0, bottom = 0] = numbers
        .split(';')
        .map((value) => Number.parseInt(value, 10) || 0);
      const first = top || 1;
      if (bottom !== 0 && bottom <= first) return;
      region.top = first > 1;
      region.bottom = bottom !== 0 && bottom < state.maxRows;
      return;
    }
    if (final === 0x70 /* p */ && intermediates === '!') {
      // DECSTR: the active buffer's region is the whole screen again.
      region.top = false;
      region.bottom = false;
      return;
    }
    if ((final === 0x68 || final === 0x6c) /* h l */ && prefix === '?') {
      const modes = numbers.split(';');
      if (!modes.some((mode) => mode === '47' || mode === '1047' || mode === '1049')) return;
      if (final === 0x68) state.alternate = true;
      else if (state.alternate) {
        // Leaving the alternate screen clears it, its region with it.
        state.alternate = false;
        state.alt = { top: false, bottom: false };
      }
    }
  }

  #fullReset(): void {
    const state = this.#state;
    state.alternate = false;
    state.normal = { top: false, bottom: false };
    state.alt = { top: false, bottom: false };
  }
}

/**
 * The bytes of a UTF-8 character that has not ended, at the end of `previous` then `chunk`: the
 * last lead byte in the last three bytes, if fewer continuation bytes than it needs follow it.
 */
function utf8Tail(previous: Buffer | undefined, chunk: Buffer): Buffer {
  const tail =
    chunk.length >= 3
      ? chunk.subarray(chunk.length - 3)
      : Buffer.concat([previous ?? none, chunk]).subarray(-3);
  for (let back = 1; back <= tail.length; back++) {
    const byte = tail[tail.length - back]!;
    if (byte < 0x80) return none;
    if (byte < 0xc0) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return needs > back ? Buffer.from(tail.subarray(tail.length - back)) : none;
  }
  return none;
}

/** The first CR LF that ends in data[from, to): the index just past its LF, or -1. */
function nextLineStart(data: Buffer, from: number, to: number): number {
  for (let lf = data.indexOf(LF, from); lf >= 0 && lf < to; lf = data.indexOf(LF, lf + 1))
    if (lf > from && data[lf - 1] === CR) return lf + 1;
  return -1;
}

/**
 * The range [start, end) of the plain run data[from, to) that may be skipped, or undefined. `end`
 * is just past a CR LF that `keepLines` line feeds of the run follow; `start` is just past the
 * first CR LF after the run's first `keepFirst` line feeds.
 */
export function skippableRange(
  data: Buffer,
  from: number,
  to: number,
  keepLines: number,
  keepFirst = 1,
): { start: number; end: number } | undefined {
  if (keepFirst === Infinity || to - from < 2 * keepLines) return undefined;
  // The last keepLines LFs of the run, counted back; the one before them ends the range.
  let lf = data.lastIndexOf(LF, to - 1);
  for (let counted = 0; lf >= from && counted < keepLines; counted++)
    lf = lf === 0 ? -1 : data.lastIndexOf(LF, lf - 1);
  // The range must end with CR LF: look further back for one.
  while (lf > from && data[lf - 1] !== CR) lf = data.lastIndexOf(LF, lf - 1);
  if (lf <= from) return undefined;
  const end = lf + 1;
  // Past the first keepFirst - 1 LFs of the run, the next CR LF starts the range.
  let after = from;
  for (let counted = 1; counted < keepFirst; counted++) {
    const next = data.indexOf(LF, after);
    if (next < 0 || next >= end) return undefined;
    after = next + 1;
  }
  const start = nextLineStart(data, after === from ? from : after - 1, end);
  if (start < 0 || start >= end) return undefined;
  return { start, end };
}
