/**
 * The table as CSV (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds a
 * quote, a list separator (`,` or `;`), a tab or a line end, with its quotes doubled. A UTF-8 byte
 * order mark leads, so that spreadsheets read names in any alphabet rightly.
 */

/**
 * Where a spreadsheet may cut a field into cells: the comma, the semicolon (the list separator of
 * Italian, Russian and other locales, which some spreadsheets use to open any `.csv`), the tab,
 * and line ends (an import that ignores quotes).
 */
const splitPoint = /([,;\t\r\n])/;

/**
 * A part that a spreadsheet would take for a formula once it is a cell of its own: one that starts
 * with `=`, `+`, `-` or `@`, after any spaces or quotes it may trim.
 */
const formulaStart = /^[\s"]*[=+\-@]/;

/**
 * One field: every part of it that could become a formula cell, with either separator and with or
 * without quotes honoured, is defused with a leading apostrophe; a field that starts with a tab or
 * a CR (which can hide one) too. Then quoted if need be. Names are learners' own text:
 * `Ada;=HYPERLINK(...)` must stay text in every locale.
 */
export function csvField(value: string): string {
  let safe = value
    .split(splitPoint)
    .map((part, index) => (index % 2 === 0 && formulaStart.test(part) ? `'${part}` : part))
    .join('');
  if (/^[\t\r]/.test(safe)) safe = `'${safe}`;
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows of fields as a CSV document. */
export function csvText(rows: ReadonlyArray<readonly string[]>): string {
  return `\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
