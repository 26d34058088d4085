import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatNumber,
  formatRatio,
  formatShare,
  formatSummary,
  markdownTable,
  median,
  percentile,
  summarize,
} from '../../../bench/stats.ts';

describe('bench statistics', () => {
  it('takes the median of odd and even counts, whatever the order', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
  });

  it('interpolates percentiles between the closest ranks', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([10, 20], 25), 12.5);
    assert.equal(percentile([3, 1, 2], 0), 1);
    assert.equal(percentile([3, 1, 2], 100), 3);
  });

  it('refuses what would make a number up: no samples, a NaN, a percentile out of range', () => {
    assert.throws(() => median([]), /no samples/);
    assert.throws(() => median([1, Number.NaN]), /not a finite number/);
    assert.throws(() => percentile([1, 2], 101), /outside 0–100/);
  });

  it('summarizes repetitions without reordering its input', () => {
    const values = [9, 1, 5, 3, 7];
    const summary = summarize(values);
    assert.deepEqual(values, [9, 1, 5, 3, 7]);
    assert.equal(summary.count, 5);
    assert.equal(summary.median, 5);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 9);
    assert.equal(summary.p25, 3);
    assert.equal(summary.p75, 7);
  });

  it('formats to three significant digits and says when a ratio has no reference', () => {
    assert.equal(formatNumber(1234.4), '1234');
    assert.equal(formatNumber(45.67), '45.7');
    assert.equal(formatNumber(1.5), '1.5');
    assert.equal(formatNumber(0.123), '0.12');
    assert.equal(formatNumber(2), '2');
    assert.equal(formatRatio(30, 20), '1.5×');
    assert.equal(formatRatio(1, 0), '—');
    assert.equal(formatShare(43, 50), '86%');
    assert.equal(formatBytes(3 << 20), '3 MiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatSummary(summarize([10, 12, 11]), 'ms'), '11 ms (10–12)');
    assert.equal(formatSummary(summarize([10]), 'ms'), '10 ms');
  });

  it('writes a Markdown table, escaping pipes, and refuses a row of the wrong width', () => {
    assert.equal(
      markdownTable(['a', 'b'], [['1', 'x | y']]),
      '| a | b |\n| --- | --- |\n| 1 | x \\| y |',
    );
    assert.throws(() => markdownTable(['a', 'b'], [['1']]), /1 cells for 2 headers/);
    assert.throws(() => markdownTable(['a'], [['two\nlines']]), /cannot span lines/);
  });
});
