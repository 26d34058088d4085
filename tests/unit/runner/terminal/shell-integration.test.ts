import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MarkParser } from '../../../../runner/terminal/shell-integration.ts';

const mark = (body: string, nonce = 'n0nce') => `\x1b]133;${body};n=${nonce}\x07`;

describe('shell-integration marks', () => {
  it('reads prompt, start and end with the exit code', () => {
    const parser = new MarkParser('n0nce');
    const marks = parser.feed(
      Buffer.from(`${mark('A')}$ true\r\n${mark('C')}${mark('D;0')}${mark('A')}`),
    );
    assert.deepEqual(marks, [
      { kind: 'prompt' },
      { kind: 'start' },
      { kind: 'end', exitCode: 0 },
      { kind: 'prompt' },
    ]);
  });

  it('ignores marks without the session nonce: output cannot fake a finished command', () => {
    const parser = new MarkParser('n0nce');
    assert.deepEqual(
      parser.feed(Buffer.from(`${mark('D;0', 'guess')}\x1b]133;D;0\x07${mark('C', '')}`)),
      [],
    );
  });

  it('finds a mark split across chunks at any byte', () => {
    const stream = Buffer.from(`out${mark('D;7')}more`);
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new MarkParser('n0nce');
      const marks = [...parser.feed(stream.subarray(0, cut)), ...parser.feed(stream.subarray(cut))];
      assert.deepEqual(marks, [{ kind: 'end', exitCode: 7 }], `cut at ${cut}`);
    }
  });

  it('accepts the ST terminator and rejects malformed bodies', () => {
    const parser = new MarkParser('n0nce');
    assert.deepEqual(parser.feed(Buffer.from('\x1b]133;D;130;n=n0nce\x1b\\')), [
      { kind: 'end', exitCode: 130 },
    ]);
    assert.deepEqual(parser.feed(Buffer.from(`${mark('D;x')}${mark('Z')}${mark('A;extra')}`)), []);
  });

  it('reads a failed command with its exit code, semicolons and UTF-8 in it', () => {
    const parser = new MarkParser('n0nce');
    const command = Buffer.from('kubectl get ns 服务; echo  a', 'utf8').toString('latin1');
    assert.deepEqual(parser.feed(Buffer.from(mark(`E;127;${command}`), 'latin1')), [
      { kind: 'failed', exitCode: 127, command: 'kubectl get ns 服务; echo a' },
    ]);
    assert.deepEqual(parser.feed(Buffer.from(mark('E;1;false', 'guess'))), []);
    assert.deepEqual(parser.feed(Buffer.from(mark('E;x;false'))), []);
    assert.deepEqual(parser.feed(Buffer.from(mark('E;1'))), []);
  });

  it('does not hold on to an unterminated look-alike forever', () => {
    const parser = new MarkParser('n0nce');
    parser.feed(Buffer.from(`\x1b]133;${'x'.repeat(5000)}`));
    assert.deepEqual(parser.feed(Buffer.from(mark('A'))), [{ kind: 'prompt' }]);
  });

  it('says where each mark ends in its chunk, a mark split across chunks included', () => {
    const parser = new MarkParser('n0nce');
    const start = '\x1b]133;C;n=n0nce\x07';
    const first = Buffer.from(`echo${start}out\x1b]133;D;`);
    const second = Buffer.from('0;n=n0nce\x07after');
    assert.deepEqual(parser.feedAt(first), [{ mark: { kind: 'start' }, end: 4 + start.length }]);
    assert.deepEqual(parser.feedAt(second), [
      { mark: { kind: 'end', exitCode: 0 }, end: '0;n=n0nce\x07'.length },
    ]);
  });
});
