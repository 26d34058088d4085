/**
 * Shell-integration marks, in the style of OSC 133, as the runner's rc file emits them:
 *   ESC ] 133 ; A ; n=<nonce> BEL          a prompt is shown
 *   ESC ] 133 ; C ; n=<nonce> BEL          a command line was read and starts running
 *   ESC ] 133 ; D ; <exit> ; n=<nonce> BEL  that command finished with <exit>
 *   ESC ] 133 ; E ; <exit> ; <command> ; n=<nonce> BEL
 *                                          a command in it failed (the shell's ERR trap: not one
 *                                          whose status a condition, `||` or `&&` tests)
 * The nonce is made per session and kept in an unexported shell variable: a program that merely
 * prints a look-alike mark (a log file, a hostile web page fetched with curl) cannot know it, so
 * it cannot complete a cell or fake an exit code. Marks without the right nonce are ignored.
 * The bytes pass through unchanged; terminals ignore an OSC they do not know.
 */
export type Mark =
  | { kind: 'prompt' }
  | { kind: 'start' }
  | { kind: 'end'; exitCode: number }
  | { kind: 'failed'; exitCode: number; command: string };

const introducer = Buffer.from('\x1b]133;');
/**
 * Longest mark we accept; anything longer is not ours and is dropped from the parser's memory.
 * The rc files cut a failed command's text to 120 characters, at most 480 bytes of UTF-8.
 */
const maxMarkBytes = 600;

export class MarkParser {
  #nonce: string;
  #carry: Buffer = Buffer.alloc(0);

  constructor(nonce: string) {
    this.#nonce = nonce;
  }

  /** The marks in this chunk of output, in order. Marks split across chunks are found too. */
  feed(chunk: Buffer): Mark[] {
    return this.feedAt(chunk).map(({ mark }) => mark);
  }

  /**
   * The marks in this chunk, each with where it ends in the chunk: the output before `end` came
   * before the mark, the rest after it.
   */
  feedAt(chunk: Buffer): { mark: Mark; end: number }[] {
    const carried = this.#carry.length;
    let data = carried ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = Buffer.alloc(0);
    const marks: { mark: Mark; end: number }[] = [];
    let at = data.indexOf(introducer);
    while (at !== -1) {
      const body = at + introducer.length;
      const end = findTerminator(data, body);
      if (end === -1) {
        if (data.length - at <= maxMarkBytes) this.#carry = Buffer.from(data.subarray(at));
        return marks;
      }
      const mark = this.#parse(data.toString('latin1', body, end.start));
      if (mark) marks.push({ mark, end: Math.max(0, end.next - carried) });
      at = data.indexOf(introducer, end.next);
    }
    // Keep a tail that could be the start of an introducer cut by the chunk boundary.
    for (let keep = Math.min(introducer.length - 1, data.length); keep > 0; keep--) {
      if (data.subarray(data.length - keep).equals(introducer.subarray(0, keep))) {
        this.#carry = Buffer.from(data.subarray(data.length - keep));
        break;
      }
    }
    data = Buffer.alloc(0);
    return marks;
  }

  #parse(body: string): Mark | undefined {
    const fields = body.split(';');
    if (fields[fields.length - 1] !== `n=${this.#nonce}`) return undefined;
    switch (fields[0]) {
      case 'A':
        return fields.length === 2 ? { kind: 'prompt' } : undefined;
      case 'C':
        return fields.length === 2 ? { kind: 'start' } : undefined;
      case 'E': {
        const exitCode = Number(fields[1]);
        if (fields.length < 4 || !Number.isInteger(exitCode)) return undefined;
        // The command may hold semicolons: it is everything between the code and the nonce.
        const raw = Buffer.from(fields.slice(2, -1).join(';'), 'latin1').toString('utf8');
        const command = raw.replace(/\s+/g, ' ').trim();
        return { kind: 'failed', exitCode, command };
      }
      case 'D': {
        const exitCode = Number(fields[1]);
        return fields.length === 3 && Number.isInteger(exitCode)
          ? { kind: 'end', exitCode }
          : undefined;
      }
      default:
        return undefined;
    }
  }
}

function findTerminator(data: Buffer, from: number): { start: number; next: number } | -1 {
  for (let i = from; i < data.length && i - from <= maxMarkBytes; i++) {
    const byte = data[i];
    if (byte === 0x07) return { start: i, next: i + 1 };
    if (byte === 0x1b) {
      if (i + 1 >= data.length) return -1;
      if (data[i + 1] === 0x5c) return { start: i, next: i + 2 };
      return { start: i, next: i + 1 }; // An ESC that starts something else ends the mark as garbage.
    }
  }
  return data.length - from > maxMarkBytes ? { start: from, next: from } : -1;
}
