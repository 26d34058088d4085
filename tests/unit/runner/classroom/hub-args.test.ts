import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunnerArgs, usage } from '../../../../runner/args.ts';

const link = 'http://192.168.1.20:4322/join/n8D2-zFbJm1ccvQx5PBOiwWMJU0Qp8I3';

describe('classroom arguments', () => {
  it('starts no hub and reports nowhere by default', () => {
    const args = parseRunnerArgs([]);
    assert.deepEqual([args.hub, args.reportTo], [undefined, undefined]);
  });

  it('serves the hub on every address, port 4322, unless told otherwise', () => {
    assert.deepEqual(parseRunnerArgs(['--hub']).hub, {
      host: '0.0.0.0',
      port: 4322,
      capacity: 1000,
    });
    assert.deepEqual(
      parseRunnerArgs([
        '--hub',
        '--hub-host',
        '10.0.0.5',
        '--hub-port',
        '5000',
        '--hub-capacity',
        '40',
      ]).hub,
      { host: '10.0.0.5', port: 5000, capacity: 40 },
    );
  });

  it('reports to a join link under a trimmed name', () => {
    assert.deepEqual(parseRunnerArgs(['--report-to', `${link}/`, '--name', '  Ada L. ']).reportTo, {
      url: link,
      name: 'Ada L.',
    });
    assert.equal(
      parseRunnerArgs(['--report-to', link, '--name', '李小龙 · Лев']).reportTo?.name,
      '李小龙 · Лев',
    );
  });

  it('lists the classroom options in --help', () => {
    for (const flag of ['--hub ', '--hub-port', '--hub-host', '--report-to', '--name'])
      assert.ok(usage.includes(flag), flag);
  });

  for (const [argv, message] of [
    [['--hub-port', '5000'], /--hub-port configures the hub: add --hub/],
    [['--hub-host', '0.0.0.0'], /--hub-host configures the hub: add --hub/],
    [['--hub', '--hub-port', 'x'], /--hub-port x is not a port/],
    [['--hub', '--hub-port', '4321'], /--hub-port 4321 is the runner's own --port/],
    [['--report-to', link], /--report-to needs --name "<your name>"/],
    [['--name', 'Ada'], /--name goes with --report-to/],
    [['--report-to', 'hub:4322', '--name', 'Ada'], /must be an http or https link/],
    [['--report-to', 'not a url', '--name', 'Ada'], /is not a URL: give the join link/],
    [['--report-to', 'ftp://hub/join/n8D2-zFbJm1ccvQx5PBOiwW', '--name', 'Ada'], /http or https/],
    [
      ['--report-to', 'http://192.168.1.20:4322/', '--name', 'Ada'],
      /not a join link: it ends in \/join\/<token>/,
    ],
    [['--report-to', 'http://192.168.1.20:4322/join/short', '--name', 'Ada'], /not a join link/],
    [['--report-to', `${link}?x=1`, '--name', 'Ada'], /not a join link/],
    [['--report-to', link.replace('http://', 'http://u:p@'), '--name', 'Ada'], /not a join link/],
    [['--report-to', link, '--name', '   '], /--name: the name is empty/],
    [
      ['--report-to', link, '--name', 'x'.repeat(41)],
      /--name: the name has 41 characters: give at most 40/,
    ],
    [
      ['--report-to', link, '--name', 'Ada\nBob'],
      /--name: .*control, invisible or text-direction characters/,
    ],
    [['--hub', '--hub-capacity', '0'], /--hub-capacity 0 is not a number of learners/],
    [['--hub', '--hub-capacity', 'many'], /--hub-capacity many is not a number of learners/],
    [['--hub-capacity', '40'], /--hub-capacity configures the hub: add --hub/],
    [
      ['--report-to', link, '--name', 'Ada\u202eboB'],
      /--name: .*control, invisible or text-direction characters/,
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(argv)} with a clear message`, () => {
      assert.throws(() => parseRunnerArgs(argv), { message });
    });
  }
});
