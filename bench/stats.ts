/**
 * Pure helpers of the benchmarks: order statistics, ratios and the text of the results table.
 * Nothing here measures or times anything, so it is unit-tested like any other code
 * (tests/unit/bench/stats.test.ts).
 */

/** A set of repeated measurements, reduced to what the report shows. */
export interface Summary {
  count: number;
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  p99: number;
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('no samples: a measurement produced no values');
  if (values.some((value) => !Number.isFinite(value)))
    throw new Error(`a sample is not a finite number: ${values.join(', ')}`);
  return [...values].sort((a, b) => a - b);
}

/**
 * The p-th percentile (0–100), interpolating linearly between the two closest ranks, as
 * spreadsheets and NumPy do by default; the 50th is the median.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is outside 0–100`);
  const ordered = sorted(values);
  const rank = (p / 100) * (ordered.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = ordered[low] ?? 0;
  const highValue = ordered[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  const ordered = sorted(values);
  return {
    count: ordered.length,
    median: percentile(ordered, 50),
    min: ordered[0] ?? 0,
    max: ordered.at(-1) ?? 0,
    p25: percentile(ordered, 25),
    p75: percentile(ordered, 75),
    p99: percentile(ordered, 99),
  };
}

/** Three significant digits, at most two decimals: 0.123, 4.56, 78.9, 1234. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  const text = value.toFixed(decimals);
  return decimals > 0 ? text.replace(/\.?0+$/, '') : text;
}

/** "412 MiB/s (398–430)": the median with the range of the repetitions. */
export function formatSummary(summary: Summary, unit: string): string {
  const spread =
    summary.count > 1 ? ` (${formatNumber(summary.min)}–${formatNumber(summary.max)})` : '';
  return `${formatNumber(summary.median)} ${unit}${spread}`;
}

/** "1.42×": how many times `value` is `reference`. */
export function formatRatio(value: number, reference: number): string {
  if (!(reference > 0) || !Number.isFinite(value)) return '—';
  return `${formatNumber(value / reference)}×`;
}

/** "87%": `value` as a share of `reference`. */
export function formatShare(value: number, reference: number): string {
  if (!(reference > 0) || !Number.isFinite(value)) return '—';
  return `${Math.round((value / reference) * 100)}%`;
}

/** Bytes as KiB or MiB with the precision of formatNumber. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1 << 20) return `${formatNumber(bytes / (1 << 20))} MiB`;
  return `${formatNumber(bytes / 1024)} KiB`;
}

/** A Markdown table; cells may not contain a newline, and a `|` in a cell is escaped. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const cell = (text: string) => {
    if (text.includes('\n')) throw new Error(`a table cell cannot span lines: ${text}`);
    return text.replaceAll('|', '\\|');
  };
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  for (const row of rows) {
    if (row.length !== headers.length)
      throw new Error(`a row has ${row.length} cells for ${headers.length} headers: ${row[0]}`);
  }
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Wraps prose to the width of the rest of the page (Prettier leaves Markdown prose as it is). */
export function wrap(text: string, indent = '', width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push((lines.length === 0 ? '' : indent) + line);
  return lines.join('\n');
}
