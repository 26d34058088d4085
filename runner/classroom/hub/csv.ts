/**
 * The table as CSV (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds a
 * quote, a comma or a line end, with its quotes doubled. A UTF-8 byte order mark leads, so that
 * spreadsheets read names in any alphabet rightly.
 */

/**
 * First characters that make a spreadsheet take a cell for a formula (`=`, `+`, `-`, `@`), or that
 * can hide one (tab, CR). Names are learners' own text: "=HYPERLINK(...)" must stay text.
 */
const formulaStart = /^[=+\-@\t\r]/;

/** One field: defused with a leading apostrophe if it could run as a formula, then quoted if need be. */
export function csvField(value: string): string {
  const safe = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows of fields as a CSV document. */
export function csvText(rows: ReadonlyArray<readonly string[]>): string {
  return `\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
