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

/* eslint-disable @typescript-eslint/no-explicit-any -- xterm's own state, for which it has no API */

/** State of one buffer, as xterm keeps it, with the saved cursor made relative to the screen. */
function bufferState(buffer: any): Record<string, unknown> {
  return {
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
  };
}

/** The state of a terminal that is not in its cells, as a plain object to compare. */
export function terminalState(terminal: HeadlessTerminal): Record<string, unknown> {
  const core = (terminal as any)._core;
  const buffers = core.buffers;
  const active = buffers.active === buffers.alt ? 'alternate' : 'normal';
  const pen = core._inputHandler._curAttrData;
  return {
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
}
/* eslint-enable @typescript-eslint/no-explicit-any */

type Buffer_ = HeadlessTerminal['buffer']['normal'];

/** The first cell where two buffers differ, or undefined. */
function firstDifference(actual: Buffer_, expected: Buffer_, cols: number): string | undefined {
  const a = actual.getNullCell();
  const e = expected.getNullCell();
  const length = Math.max(actual.length, expected.length);
  for (let row = 0; row < length; row++) {
    const lineA = actual.getLine(row);
    const lineE = expected.getLine(row);
    const text = (line: typeof lineA) => JSON.stringify(line?.translateToString(true) ?? null);
    if (!lineA || !lineE) return `row ${row}: ${text(lineA)}, expected ${text(lineE)}`;
    if (lineA.isWrapped !== lineE.isWrapped)
      return `row ${row}: wrapped ${lineA.isWrapped}, expected ${lineE.isWrapped} (${text(lineE)})`;
    for (let col = 0; col < cols; col++) {
      lineA.getCell(col, a);
      lineE.getCell(col, e);
      const cell = (c: typeof a) =>
        JSON.stringify([
          c.getChars(),
          c.getWidth(),
          c.getFgColorMode(),
          c.getFgColor(),
          c.getBgColorMode(),
          c.getBgColor(),
          c.isBold(),
          c.isItalic(),
          c.isDim(),
          c.isUnderline(),
          c.isInverse(),
          c.isInvisible(),
          c.isStrikethrough(),
        ]);
      if (cell(a) !== cell(e))
        return `row ${row} col ${col}: ${cell(a)}, expected ${cell(e)}; the row ${text(lineA)}, expected ${text(lineE)}`;
    }
  }
  return undefined;
}

/** How `actual` differs from `expected`, or undefined when they are the same. */
export function difference(
  actual: HeadlessTerminal,
  expected: HeadlessTerminal,
): string | undefined {
  const stateA = JSON.stringify(terminalState(actual));
  const stateE = JSON.stringify(terminalState(expected));
  const cells =
    firstDifference(actual.buffer.normal, expected.buffer.normal, expected.cols) ??
    (expected.buffer.active.type === 'alternate'
      ? firstDifference(actual.buffer.alternate, expected.buffer.alternate, expected.cols)
      : undefined);
  if (cells) return `cells differ: ${cells}\nstate ${stateA}\nexpected ${stateE}`;
  if (stateA !== stateE) return `state differs:\n${stateA}\nexpected\n${stateE}`;
  return undefined;
}
