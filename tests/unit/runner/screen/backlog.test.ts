import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScreenBacklog, skippableRange } from '../../../../runner/screen/backlog.ts';
import { keepLines, lines, screenAfter, streams } from '../../support/streams.ts';

/**
 * Feeds `stream` through a backlog in `step`-byte chunks; as the runner does, a backlog that grows
 * past a threshold (here 16 KiB, a few hundred lines) is compacted and handed on.
 */
function compacted(stream: Buffer, step: number): { chunks: Buffer[]; skipped: number } {
  const backlog = new ScreenBacklog(keepLines);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += step) {
    backlog.push(stream.subarray(at, at + step));
    if (backlog.bytes >= 16_384) {
      backlog.compact();
      chunks.push(backlog.take());
    }
  }
  backlog.compact();
  chunks.push(backlog.take());
  return { chunks, skipped: backlog.skipped };
}

describe('screen backlog: skipping plain text that scrolls out of reach', () => {
  for (const { name, text, skips } of streams)
    it(`restores the same screen: ${name}`, async () => {
      const stream = Buffer.from(text, 'utf8');
      const whole = await screenAfter([stream]);
      for (const step of [97, 1024]) {
        const { chunks, skipped } = compacted(stream, step);
        assert.equal(await screenAfter(chunks), whole, `in chunks of ${step} bytes`);
        const share = skips === true ? 1 / 3 : skips;
        if (share) assert.ok(skipped > stream.length * share, `skipped only ${skipped} bytes`);
        else assert.equal(skipped, 0);
      }
    });

  it('skips nothing unless enough plain lines follow', () => {
    const text = Buffer.from(lines(keepLines, (i) => `l${i}\r\n`));
    assert.equal(skippableRange(text, keepLines), undefined);
    const more = Buffer.from(lines(keepLines + 3, (i) => `l${i}\r\n`));
    const range = skippableRange(more, keepLines);
    assert.ok(range, 'three lines more than kept: two can go');
    assert.equal(more.subarray(range.start, range.end).toString(), 'l1\r\nl2\r\n');
  });

  it('skips the plain lines before a prompt that has its own new line, once enough of them came', () => {
    const prompt = '^C\r\n\x1b]133;D;130\x07\r\n\x1b[1mlab\x1b[0m# ';
    const flood = (count: number) => Buffer.from(lines(count, (i) => `f${i}\r\n`) + prompt);
    const range = skippableRange(flood(keepLines + 3), keepLines);
    assert.ok(range, 'the flood before the prompt');
    // The ^C line is plain too: keepLines + 4 plain lines, the first of which may be partial.
    assert.equal(
      flood(keepLines + 3)
        .subarray(range.start, range.end)
        .toString(),
      'f1\r\nf2\r\nf3\r\n',
    );
    assert.equal(skippableRange(flood(keepLines), keepLines), undefined, 'too few before it');
  });

  it('never skips across an escape or a C1 control, even one far back', () => {
    for (const enter of ['\x1b[?1049h', '\u009b?1049h']) {
      // Too few lines after the escape, and too few before it: nothing.
      const text = Buffer.from(
        lines(20, (i) => `a${i}\r\n`) + enter + lines(keepLines, (i) => `b${i}\r\n`),
      );
      assert.equal(skippableRange(text, keepLines), undefined, JSON.stringify(enter));
      // Enough before it: lines before the escape only.
      const more = Buffer.from(
        lines(50, (i) => `a${i}\r\n`) + enter + lines(keepLines, (i) => `b${i}\r\n`),
      );
      const range = skippableRange(more, keepLines);
      assert.ok(range && range.end <= more.indexOf(enter), JSON.stringify(enter));
    }
    const ranged = skippableRange(
      Buffer.from(lines(50, (i) => `a${i}\r\n`) + '\x1b[31m' + lines(keepLines + 5, () => 'b\r\n')),
      keepLines,
    );
    assert.ok(ranged);
    assert.ok(ranged.start > 50 * 4, 'the skipped range starts after the escape');
  });

  it('keeps the count of what it skipped, and take() leaves it empty', () => {
    const backlog = new ScreenBacklog(keepLines);
    backlog.push(Buffer.from(lines(keepLines + 10, (i) => `${i}\r\n`)));
    const before = backlog.bytes;
    const skipped = backlog.compact();
    assert.ok(skipped > 0);
    assert.equal(backlog.bytes, before - skipped);
    assert.equal(backlog.skipped, skipped);
    assert.ok(backlog.take().length > 0);
    assert.equal(backlog.bytes, 0);
    assert.equal(backlog.compact(), 0);
  });
});
