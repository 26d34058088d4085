import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkipEngine, skippableRange } from '../../../../runner/screen/backlog.ts';
import { keepLines, lines, screenAfter, size, streams } from '../../support/streams.ts';

/**
 * Feeds `stream` through a skip engine in `step`-byte chunks; as the kept screen does, an engine
 * that grows past a threshold (here 16 KiB, a few hundred lines) is compacted and handed on.
 */
function compacted(stream: Buffer, step: number): { chunks: Buffer[]; skipped: number } {
  const engine = new SkipEngine(size);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += step) {
    engine.push(stream.subarray(at, at + step));
    if (engine.bytes >= 16_384) {
      engine.compact();
      chunks.push(engine.take());
    }
  }
  engine.compact();
  chunks.push(engine.take());
  return { chunks, skipped: engine.skipped };
}

/** The range skippableRange finds in the whole of `text` as one plain run. */
const rangeIn = (text: Buffer, keepFirst?: number) =>
  skippableRange(text, 0, text.length, keepLines, keepFirst);

describe('skip engine: skipping plain text that scrolls out of reach', () => {
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
    assert.equal(rangeIn(text), undefined);
    const more = Buffer.from(lines(keepLines + 3, (i) => `l${i}\r\n`));
    const range = rangeIn(more);
    assert.ok(range, 'three lines more than kept: two can go');
    assert.equal(more.subarray(range.start, range.end).toString(), 'l1\r\nl2\r\n');
    const first = rangeIn(Buffer.from(lines(keepLines + 10, (i) => `l${i}\r\n`)), 4);
    assert.ok(first);
    assert.equal(first.start, 'l0\r\nl1\r\nl2\r\nl3\r\n'.length, 'the first four lines stay');
  });

  it('skips the plain lines before a prompt that has its own new line, once enough of them came', () => {
    const prompt = '^C\r\n\x1b]133;D;130\x07\r\n\x1b[1mlab\x1b[0m# ';
    const flood = (count: number) => Buffer.from(lines(count, (i) => `f${i}\r\n`) + prompt);
    const engine = new SkipEngine(size);
    engine.push(flood(keepLines + 3));
    engine.compact();
    // The ^C line is plain too: keepLines + 4 plain lines, the first of which may be partial.
    assert.equal(
      engine.take().toString(),
      flood(keepLines + 3)
        .toString()
        .replace('f1\r\nf2\r\nf3\r\n', ''),
    );
    const few = new SkipEngine(size);
    few.push(flood(keepLines));
    assert.equal(few.compact(), 0, 'too few before it');
  });

  it('never skips across an escape or a C1 control, even one far back', () => {
    for (const enter of ['\x1b[?1049h', '\u009b?1049h']) {
      // Too few lines after the escape, and too few before it: nothing.
      const engine = new SkipEngine(size);
      engine.push(
        Buffer.from(lines(20, (i) => `a${i}\r\n`) + enter + lines(keepLines, (i) => `b${i}\r\n`)),
      );
      assert.equal(engine.compact(), 0, JSON.stringify(enter));
      // Enough before it: lines before the escape only.
      const more = new SkipEngine(size);
      const text = Buffer.from(
        lines(keepLines + 30, (i) => `a${i}\r\n`) + enter + lines(keepLines, (i) => `b${i}\r\n`),
      );
      more.push(text);
      assert.ok(more.compact() > 0, JSON.stringify(enter));
      assert.ok(
        more
          .take()
          .toString()
          .endsWith(enter + lines(keepLines, (i) => `b${i}\r\n`)),
      );
    }
  });

  it('skips nothing under a region that may have the cursor below it, and keeps the first rows above one', () => {
    const flood = lines(keepLines * 3, (i) => `r${i}\r\n`);
    const below = new SkipEngine(size);
    below.push(Buffer.from(`\x1b[1;${size.rows - 1}r${flood}`));
    assert.equal(below.compact(), 0, 'a region that ends above the last row');
    const above = new SkipEngine(size);
    above.push(Buffer.from(`\x1b[3;${size.rows}r\x1b[H${flood}`));
    assert.ok(above.compact() > 0);
    assert.ok(
      above
        .take()
        .toString()
        .startsWith(`\x1b[3;${size.rows}r\x1b[H${lines(size.rows + 1, (i) => `r${i}\r\n`)}`),
      'the first rows stay',
    );
    const reset = new SkipEngine(size);
    reset.push(Buffer.from(`\x1b[2;3r\x1b[r${flood}`));
    assert.ok(reset.compact() > 0, 'the whole screen again');
    const resized = new SkipEngine(size);
    resized.push(Buffer.from(`\x1b[2;3r`));
    resized.resize(size.rows);
    resized.push(Buffer.from(flood));
    assert.ok(resized.compact() > 0, 'a resize resets the bottom of the region');
  });

  it('keeps the bytes of an escape or a character that has not ended', () => {
    const engine = new SkipEngine(size);
    engine.pass(Buffer.from('text \xe7\xbd', 'latin1'));
    assert.deepEqual([...engine.state().pending!], [0xe7, 0xbd]);
    engine.pass(Buffer.from([0x91]));
    assert.deepEqual([...engine.state().pending!], []);
    engine.pass(Buffer.from('\x1b[3'));
    engine.pass(Buffer.from('8;5'));
    assert.equal(engine.state().pending!.toString(), '\x1b[38;5');
    engine.pass(Buffer.from('m\x1b]0;ti'));
    assert.equal(engine.state().pending!.toString(), '\x1b]0;ti');
    engine.pass(Buffer.from('tle\x07'));
    assert.equal(engine.state().pending!.length, 0);
  });

  it('keeps the count of what it skipped, and take() leaves it empty', () => {
    const engine = new SkipEngine(size);
    engine.push(Buffer.from(lines(keepLines + 10, (i) => `${i}\r\n`)));
    const before = engine.bytes;
    const skipped = engine.compact();
    assert.ok(skipped > 0);
    assert.equal(engine.bytes, before - skipped);
    assert.equal(engine.skipped, skipped);
    assert.ok(engine.take().length > 0);
    assert.equal(engine.bytes, 0);
    assert.equal(engine.compact(), 0);
  });
});
