// @ts-check
// What a restored screen carries beyond what @xterm/addon-serialize writes (its version 0.14), put
// around the addon's output rather than into a copy of it: the scroll region of each buffer, the
// saved cursor (DECSC) with its colours and attributes, origin mode set after the cursor is placed
// (the addon sets it last, and setting it moves the cursor home), the mouse encoding (SGR), a
// hidden cursor, the window title, and the first row of the scrollback marked as the rest of a
// wrapped line. docs/architecture.md lists them, for the addon upstream. Plain JavaScript, like
// the worker that loads it (worker.js says why).
//
// xterm.js has no API for these, so they are read from its core, as the addon itself does for
// the pen (`_core._inputHandler._curAttrData`).

/* The bits of a cell's attributes (xterm.js, src/common/buffer/Constants.ts). */
const CM_MASK = 0x3000000;
const CM_P16 = 0x1000000;
const CM_P256 = 0x2000000;
const CM_RGB = 0x3000000;
const FG = {
  inverse: 0x4000000,
  bold: 0x8000000,
  underline: 0x10000000,
  blink: 0x20000000,
  invisible: 0x40000000,
  strikethrough: 0x80000000,
};
const BG = { italic: 0x4000000, dim: 0x8000000, overline: 0x40000000 };

/**
 * The SGR parameters of one colour, `base` 30 for the foreground and 40 for the background.
 * @param {number} value
 * @param {number} base
 * @returns {string[]}
 */
function colour(value, base) {
  const mode = value & CM_MASK;
  const index = value & 0xff;
  if (mode === CM_P16) return [String(index < 8 ? base + index : base + 60 + index - 8)];
  if (mode === CM_P256) return [`${base + 8};5;${index}`];
  if (mode === CM_RGB)
    return [`${base + 8};2;${(value >> 16) & 0xff};${(value >> 8) & 0xff};${value & 0xff}`];
  return [];
}

/**
 * An SGR sequence that sets the pen to these attributes from any other.
 * @param {{ fg: number; bg: number }} attributes
 */
export function penSgr({ fg, bg }) {
  const params = ['0'];
  if (fg & FG.bold) params.push('1');
  if (bg & BG.dim) params.push('2');
  if (bg & BG.italic) params.push('3');
  if (fg & FG.underline) params.push('4');
  if (fg & FG.blink) params.push('5');
  if (fg & FG.inverse) params.push('7');
  if (fg & FG.invisible) params.push('8');
  if (fg & FG.strikethrough) params.push('9');
  if (bg & BG.overline) params.push('53');
  params.push(...colour(fg, 30), ...colour(bg, 40));
  return `\x1b[${params.join(';')}m`;
}

/**
 * @typedef {object} CoreBuffer xterm's own buffer, as far as this module reads it.
 * @property {number} x
 * @property {number} y
 * @property {number} ybase
 * @property {number} scrollTop
 * @property {number} scrollBottom
 * @property {number} savedX
 * @property {number} savedY
 * @property {{ fg: number; bg: number }} savedCurAttrData
 */

/**
 * The scroll region, unless it is the whole screen (which a fresh terminal has already).
 * @param {CoreBuffer} buffer
 * @param {number} rows
 */
function region(buffer, rows) {
  return buffer.scrollTop === 0 && buffer.scrollBottom === rows - 1
    ? ''
    : `\x1b[${buffer.scrollTop + 1};${buffer.scrollBottom + 1}r`;
}

/**
 * The buffer's saved cursor, saved again (DECSC) where DECRC would put it, with its attributes.
 * Leaves the cursor there.
 * @param {CoreBuffer} buffer
 */
function savedCursor(buffer) {
  const row = Math.max(0, buffer.savedY - buffer.ybase);
  return `\x1b[${row + 1};${buffer.savedX + 1}H${penSgr(buffer.savedCurAttrData)}\x1b7`;
}

/**
 * Whether DECRC would put the cursor home with no attributes, as in a fresh terminal.
 * @param {CoreBuffer} buffer
 */
function savedIsHome(buffer) {
  const { fg, bg } = buffer.savedCurAttrData;
  return buffer.savedX === 0 && buffer.savedY <= buffer.ybase && fg === 0 && bg === 0;
}

/**
 * Puts the cursor back where the buffer has it, with the pen, after the sequences above moved it.
 * A cursor past the last column (a character written there, the next one to wrap) is put there by
 * writing that last character again.
 * @param {import('@xterm/headless').Terminal} terminal
 * @param {CoreBuffer} buffer
 * @param {import('@xterm/headless').IBuffer} shown the same buffer, through xterm's API
 * @param {{ fg: number; bg: number }} pen
 * @param {boolean} origin whether origin mode is on: rows then count from the region's top
 */
function cursorBack(terminal, buffer, shown, pen, origin) {
  const top = origin ? buffer.scrollTop : 0;
  const row = buffer.y - top + 1;
  if (buffer.x < terminal.cols) return `\x1b[${row};${buffer.x + 1}H${penSgr(pen)}`;
  const line = shown.getLine(buffer.ybase + buffer.y);
  let col = terminal.cols - 1;
  let cell = line?.getCell(col);
  if (cell && cell.getWidth() === 0 && col > 0) cell = line?.getCell(--col);
  if (!cell || cell.getChars() === '') return `\x1b[${row};${terminal.cols}H${penSgr(pen)}`;
  const attributes = cellAttributes(cell);
  return `\x1b[${row};${col + 1}H${penSgr(attributes)}${cell.getChars()}${penSgr(pen)}`;
}

/**
 * A cell's colours and attributes as xterm keeps them.
 * @param {import('@xterm/headless').IBufferCell} cell
 */
function cellAttributes(cell) {
  // @ts-expect-error -- the cell's own data, which xterm's API does not expose
  const { fg, bg } = /** @type {{ fg: number; bg: number }} */ (cell);
  return { fg, bg };
}

/**
 * Modes a fresh terminal does not have, as the addon writes them, less origin mode (set apart,
 * see serializeScreen), and with the mouse's encoding and a hidden cursor.
 * @param {import('@xterm/headless').Terminal} terminal
 * @param {{ coreMouseService: { activeEncoding: string }; coreService: { isCursorHidden: boolean } }} core
 */
function modes(terminal, core) {
  const m = terminal.modes;
  let content = '';
  if (m.applicationCursorKeysMode) content += '\x1b[?1h';
  if (m.applicationKeypadMode) content += '\x1b[?66h';
  if (m.bracketedPasteMode) content += '\x1b[?2004h';
  if (m.insertMode) content += '\x1b[4h';
  if (m.reverseWraparoundMode) content += '\x1b[?45h';
  if (m.sendFocusMode) content += '\x1b[?1004h';
  if (!m.wraparoundMode) content += '\x1b[?7l';
  /** @type {Record<string, number>} */
  const trackingModes = { x10: 9, vt200: 1000, drag: 1002, any: 1003 };
  const tracking = trackingModes[m.mouseTrackingMode];
  if (tracking) content += `\x1b[?${tracking}h`;
  /** @type {Record<string, number>} */
  const encodings = { SGR: 1006, SGR_PIXELS: 1016 };
  const encoding = encodings[core.coreMouseService.activeEncoding];
  if (encoding) content += `\x1b[?${encoding}h`;
  if (core.coreService.isCursorHidden) content += '\x1b[?25l';
  return content;
}

/** What the addon writes before the alternate screen's content. */
const altStart = '\x1b[?1049h\x1b[H';

/**
 * The screen as escape sequences that restore it, with the state a program relies on: the
 * addon's serialization of both buffers, and around it what the addon leaves out.
 * @param {import('@xterm/headless').Terminal} terminal
 * @param {import('@xterm/addon-serialize').SerializeAddon} serializer
 * @param {number} scrollback
 * @returns {string}
 */
export function serializeScreen(terminal, serializer, scrollback) {
  // xterm's core, which its API does not expose.
  const core = /** @type {any} */ (terminal)._core;
  /** @type {CoreBuffer} */
  const normal = core.buffers.normal;
  /** @type {CoreBuffer} */
  const alt = core.buffers.alt;
  const altActive = terminal.buffer.active.type === 'alternate';
  const active = altActive ? alt : normal;
  const origin = terminal.modes.originMode;
  const pen = core._inputHandler._curAttrData;
  const title = String(core._inputHandler._windowTitle ?? '');

  const made = serializer.serialize({ scrollback, excludeModes: true });
  const split = altActive ? made.indexOf(altStart) : -1;
  const main = split >= 0 ? made.slice(0, split) : made;
  const altContent = split >= 0 ? made.slice(split + altStart.length) : '';

  let content = '';
  // The first row of a full scrollback can be the end of a line whose start was dropped: a row as
  // wide as the screen first, dropped in turn as the rest comes, leaves it marked as wrapped.
  const first = terminal.buffer.normal.getLine(0);
  if (
    first?.isWrapped &&
    terminal.buffer.normal.length >= scrollback + terminal.rows &&
    first.getCell(0)?.getChars()
  )
    content += ' '.repeat(terminal.cols);
  content += main;
  if (altActive) {
    // Entering the alternate screen saves the main screen's cursor: it is put where DECRC will
    // restore it when the program leaves, with the main screen's region set first.
    content += region(normal, terminal.rows) + savedCursor(normal).slice(0, -2) + altStart;
    content += altContent;
  }
  // What a fresh terminal has already (no region, the saved cursor at home with no attributes, no
  // origin mode) is left out, and the addon's own cursor and pen stand.
  const tail =
    region(active, terminal.rows) +
    (savedIsHome(active) ? '' : savedCursor(active)) +
    (origin ? '\x1b[?6h' : '');
  if (tail) content += tail + cursorBack(terminal, active, terminal.buffer.active, pen, origin);
  content += modes(terminal, core);
  if (title) content += `\x1b]2;${title.replace(/[\x00-\x1f\x7f]/g, '')}\x07`;
  return content;
}
