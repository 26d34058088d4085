import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { parseRunnerArgs, usage } from '../../../runner/args.ts';

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
  it('takes a hosted copy under a sub-path: its origin is trusted, its folder is where pairing leads', () => {
    const args = parseRunnerArgs([
      '--allow-origin',
      'https://you.github.io/istio-lab-book',
      '--allow-origin',
      'https://you.github.io/other/',
    ]);
    assert.deepEqual(args.allowOrigins, ['https://you.github.io']);
    assert.deepEqual(args.hostedBooks, [
      'https://you.github.io/istio-lab-book/',
      'https://you.github.io/other/',
    ]);
  });
  it('logs at info unless --log names another level', () => {
    assert.equal(parseRunnerArgs([]).log, 'info');
    assert.equal(parseRunnerArgs(['--log', 'trace']).log, 'trace');
  });
  it('takes --public-url as an origin, with no default', () => {
    assert.equal(parseRunnerArgs([]).publicUrl, undefined);
    assert.equal(
      parseRunnerArgs(['--public-url', 'https://Name-4321.app.github.dev/']).publicUrl,
      'https://name-4321.app.github.dev',
    );
  });
  for (const [argv, message] of [
    [['--port', 'abc'], /--port abc is not a port/],
    [['--port', '70000'], /--port 70000 is not a port/],
    [['--allow-origin', 'book.example'], /is not a URL/],
    [['--allow-origin', 'https://book.example/path?x=1'], /query .* https:\/\/book\.example\/path/],
    [['--allow-origin', 'ftp://book.example'], /http or https/],
    [['--public-url', 'name-4321.app.github.dev'], /is not a URL/],
    [['--public-url', 'https://name.example/book/'], /origin only .* https:\/\/name\.example/],
    [['--public-url', 'https://user:pw@name.example'], /may not carry a user/],
    [['--frobnicate'], /Unknown option '--frobnicate'[\s\S]*Usage:/],
    [['--idle-minutes', '0'], /not a positive number/],
    [
      ['--log', 'verbose'],
      /--log verbose is not a level: give one of error, warn, info, debug, trace/,
    ],
  ] as const) {
    it(`refuses ${argv.join(' ')} with a clear message`, () => {
      assert.throws(() => parseRunnerArgs(argv), { message });
    });
  }
});

describe('npm start -- --help', () => {
  it('names the settings a learner gives in the environment, as the README does', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of ['ISTIO_LAB_HOME', 'ISTIO_LAB_MEMORY']) {
      assert.match(usage, new RegExp(`^  ${name}=`, 'm'), `--help names ${name}`);
      assert.ok(readme.includes(name), `the README names ${name}`);
    }
  });
});
