import xtermHeadless from '@xterm/headless';

/**
 * The reference a page's terminal is held to: the same bytes written straight into a fresh
 * headless xterm of the same size (resizes where they came), and a cell-by-cell comparison of two
 * terminals, colours, attributes and the state a program can rely on included.
 */

const { Terminal } = xtermHeadless;
export type HeadlessTerminal = InstanceType<typeof Terminal>;

/** What a recorded case is made of, in order. */
export type Step =
  /** Output, as the pty read it: one chunk, handed on as it is. */
  | { bytes: Buffer }
  /** The page's terminal is resized (after it has drawn what came before). */
  | { resize: { cols: number; rows: number } }
  /** A key the learner presses (output after it is the program's answer). */
  | { key: string }
  /** The page reloads: a new one attaches and restores the screen. */
  | { reload: true };

export const scrollback = 10_000;

export function newTerminal(cols: number, rows: number): HeadlessTerminal {
  return new Terminal({ cols, rows, scrollback, allowProposedApi: true });
}

export function written(terminal: HeadlessTerminal, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

/** The steps' output written straight into a fresh terminal, resized where they say. */
export async function reference(
  steps: readonly Step[],
  size: { cols: number; rows: number },
): Promise<HeadlessTerminal> {
  const terminal = newTerminal(size.cols, size.rows);
  for (const step of steps) {
    if ('bytes' in step) await written(terminal, step.bytes);
    else if ('resize' in step) {
      await written(terminal, '');
      terminal.resize(step.resize.cols, step.resize.rows);
    }
  }
  await written(terminal, '');
  return terminal;
}

/**
 * A terminal's screen as plain data: its state that is not in its cells (see screenOf) and
 * every row of each buffer, the alternate one only while it is active. It crosses from a browser
 * to the test process as it is, so that a page's terminal and a headless one compare alike.
 */
export interface Screen {
  state: Record<string, unknown>;
  normal: string[];
  alternate?: string[];
}

/** What xterm keeps of one buffer and of the terminal, for which it has no API. */
interface XtermBuffer {
  x: number;
  y: number;
  ybase: number;
  lines: { length: number };
  scrollTop: number;
  scrollBottom: number;
  savedX: number;
  savedY: number;
  savedCurAttrData: { fg: number; bg: number };
}
interface XtermCore {
  buffers: { active: XtermBuffer; normal: XtermBuffer; alt: XtermBuffer };
  _inputHandler: { _curAttrData: { fg: number; bg: number }; _windowTitle: string };
  coreMouseService: { activeEncoding: string };
  coreService: { isCursorHidden: boolean };
}

/**
 * The screen of `terminal`, a headless xterm or the page's own. Self-contained (it uses nothing
 * outside its body), as a function that Playwright runs in the page must be. A row is one string:
 * whether it is the rest of a wrapped line, its cells' characters, and its cells' width, colours
 * and attributes as runs of equal cells, each part apart by a control character no cell holds.
 * The state is what xterm keeps, with the saved cursor made relative to the screen.
 */
export function screenOf(terminal: HeadlessTerminal): Screen {
  const core = (terminal as unknown as { _core: XtermCore })._core;
  const buffers = core.buffers;
  const bufferState = (buffer: XtermBuffer) => ({
    x: buffer.x,
    y: buffer.y,
    ybase: buffer.ybase,
    lines: buffer.lines.length,
    scrollTop: buffer.scrollTop,
    scrollBottom: buffer.scrollBottom,
    savedX: buffer.savedX,
    // Where DECRC puts the cursor (xterm keeps the row counted from the top of the scrollback).
    savedRow: Math.max(0, buffer.savedY - buffer.ybase),
    savedFg: buffer.savedCurAttrData.fg,
    savedBg: buffer.savedCurAttrData.bg,
  });
  const active = buffers.active === buffers.alt ? 'alternate' : 'normal';
  const pen = core._inputHandler._curAttrData;
  const state = {
    size: `${terminal.cols}x${terminal.rows}`,
    active,
    modes: { ...terminal.modes },
    mouseEncoding: core.coreMouseService.activeEncoding,
    cursorHidden: core.coreService.isCursorHidden,
    title: core._inputHandler._windowTitle,
    pen: { fg: pen.fg, bg: pen.bg },
    normal: bufferState(buffers.normal),
    ...(active === 'alternate' ? { alternate: bufferState(buffers.alt) } : {}),
  };
  const rowsOf = (buffer: HeadlessTerminal['buffer']['normal']) => {
    const cell = buffer.getNullCell();
    const rows: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) break;
      const chars: string[] = [];
      const runs: string[] = [];
      let last = '';
      let count = 0;
      for (let x = 0; x < terminal.cols; x++) {
        line.getCell(x, cell);
        chars.push(cell.getChars());
        const look = [
          cell.getWidth(),
          cell.getFgColorMode(),
          cell.getFgColor(),
          cell.getBgColorMode(),
          cell.getBgColor(),
          cell.isBold(),
          cell.isItalic(),
          cell.isDim(),
          cell.isUnderline(),
          cell.isInverse(),
          cell.isInvisible(),
          cell.isStrikethrough(),
        ].join(',');
        if (x > 0 && look !== last) {
          runs.push(`${count}*${last}`);
          count = 0;
        }
        last = look;
        count++;
      }
      runs.push(`${count}*${last}`);
      rows.push([line.isWrapped ? 'wrapped' : '', chars.join('\x01'), runs.join(';')].join('\x02'));
    }
    return rows;
  };
  return {
    state,
    normal: rowsOf(terminal.buffer.normal),
    ...(active === 'alternate' ? { alternate: rowsOf(terminal.buffer.alternate) } : {}),
  };
}

/** The first cell where two buffers' rows differ, or undefined. */
function firstDifference(actual: string[], expected: string[]): string | undefined {
  const length = Math.max(actual.length, expected.length);
  const split = (row: string) => {
    const [wrapped = '', chars = '', runs = ''] = row.split('\x02');
    const cells = chars.split('\x01');
    const looks = runs.split(';').flatMap((run) => {
      const [count = '0', look = ''] = run.split('*');
      return Array.from({ length: Number(count) }, () => look);
    });
    return {
      wrapped: wrapped !== '',
      cells,
      looks,
      text: JSON.stringify(cells.join('').trimEnd()),
    };
  };
  for (let row = 0; row < length; row++) {
    const rowA = actual[row];
    const rowE = expected[row];
    if (rowA === rowE) continue;
    if (rowA === undefined || rowE === undefined) {
      const text = (row: string | undefined) => (row === undefined ? 'no row' : split(row).text);
      return `row ${row}: ${text(rowA)}, expected ${text(rowE)}`;
    }
    const a = split(rowA);
    const e = split(rowE);
    if (a.wrapped !== e.wrapped)
      return `row ${row}: wrapped ${a.wrapped}, expected ${e.wrapped} (${e.text})`;
    for (let col = 0; col < Math.max(a.cells.length, e.cells.length); col++) {
      const cell = (side: typeof a) => JSON.stringify([side.cells[col], side.looks[col]]);
      if (cell(a) !== cell(e))
        return `row ${row} col ${col}: ${cell(a)}, expected ${cell(e)} (width, colour modes and colours, then bold, italic, dim, underline, inverse, invisible, strikethrough); the row ${a.text}, expected ${e.text}`;
    }
  }
  return undefined;
}

/** How `actual` differs from `expected` (terminals or their screens), or undefined when the same. */
export function difference(
  actual: HeadlessTerminal | Screen,
  expected: HeadlessTerminal | Screen,
): string | undefined {
  const a = 'state' in actual ? actual : screenOf(actual);
  const e = 'state' in expected ? expected : screenOf(expected);
  const stateA = JSON.stringify(a.state);
  const stateE = JSON.stringify(e.state);
  const cells =
    firstDifference(a.normal, e.normal) ??
    (e.alternate ? firstDifference(a.alternate ?? [], e.alternate) : undefined);
  if (cells) return `cells differ: ${cells}\nstate ${stateA}\nexpected ${stateE}`;
  if (stateA !== stateE) return `state differs:\n${stateA}\nexpected\n${stateE}`;
  return undefined;
}
