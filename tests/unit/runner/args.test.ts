import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunnerArgs } from '../../../runner/args.ts';

describe('runner arguments', () => {
  it('defaults to loopback on 4321 and building when stale', () => {
    const args = parseRunnerArgs([]);
    assert.deepEqual(
      [args.host, args.port, args.build, args.allowOrigins],
      ['127.0.0.1', 4321, true, []],
    );
  });
  it('takes --port, --host, repeated --allow-origin and --no-build', () => {
    const args = parseRunnerArgs([
      '--port',
      '0',
      '--allow-origin',
      'https://a.example',
      '--allow-origin',
      'http://b.example:8080',
      '--no-build',
    ]);
    assert.deepEqual(
      [args.port, args.allowOrigins, args.build],
      [0, ['https://a.example', 'http://b.example:8080'], false],
    );
  });
  for (const [argv, message] of [
    [['--port', 'abc'], /--port abc is not a port/],
    [['--port', '70000'], /--port 70000 is not a port/],
    [['--allow-origin', 'book.example'], /is not a URL/],
    [['--allow-origin', 'https://book.example/path'], /origin only .* https:\/\/book\.example/],
    [['--allow-origin', 'ftp://book.example'], /http or https/],
    [['--frobnicate'], /Unknown option '--frobnicate'[\s\S]*Usage:/],
    [['--idle-minutes', '0'], /not a positive number/],
  ] as const) {
    it(`refuses ${argv.join(' ')} with a clear message`, () => {
      assert.throws(() => parseRunnerArgs(argv), { message });
    });
  }
});
