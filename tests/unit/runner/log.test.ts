import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, mock } from 'node:test';
import { log as runnerLog, Logger, type LogLevel } from '../../../runner/log.ts';
import { chooseShell } from '../../../runner/terminal/shell.ts';
import { startCli } from '../support/cli.ts';
import { liveRunner, TerminalClient } from '../support/live-runner.ts';
import { waitFor } from '../support/poll.ts';

/** A log that keeps its lines, with the stream each went to. */
export function recordingLog(level: LogLevel): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger({
    level,
    sink: (at, line) => lines.push(`${at === 'info' ? 'stdout' : 'stderr'}: ${line}`),
  });
  return { log, lines };
}

describe('runner log', () => {
  it('writes a line at its level and the levels more severe, nothing below', () => {
    const { log, lines } = recordingLog('warn');
    log.error('e');
    log.warn('w');
    log.info('i');
    log.trace('t');
    assert.deepEqual(lines, ['stderr: e', 'stderr: w']);
    assert.equal(log.enabled('info'), false);
  });

  it('prints info as the message alone, on stdout, as the runner always did', () => {
    const { log, lines } = recordingLog('info');
    log.info('Istio Lab Book is running. Open this link');
    assert.deepEqual(lines, ['stdout: Istio Lab Book is running. Open this link']);
  });

  it("prints debug and trace with their level and fields, a child's fields first", () => {
    const { log, lines } = recordingLog('trace');
    const session = log.child({ session: 'main' });
    session.trace('pty paused', { reason: 'page', skipped: undefined });
    session.debug('attached');
    assert.deepEqual(lines, [
      'stderr: trace pty paused session=main reason=page',
      'stderr: debug attached session=main',
    ]);
  });

  it('sets the level of every child with its parent', () => {
    const { log, lines } = recordingLog('info');
    const child = log.child({ session: 'main' });
    child.trace('hidden');
    log.level = 'trace';
    child.trace('shown');
    assert.deepEqual(lines, ['stderr: trace shown session=main']);
  });

  it('leaves the link and the banner to a runner started with --log error', async () => {
    const cli = startCli(['--port', '0', '--log', 'error']);
    try {
      await cli.started();
      assert.match(
        cli.output(),
        /Istio Lab Book is running\. Open this link.*\n\n {2}http:\/\/\S+\?token=/s,
      );
      assert.match(cli.output(), /Workspace: .* Stop with Ctrl-C\./);
    } finally {
      await cli.stop();
    }
  });

  it("leaves the hub's view link and the learners' join command to a hub started with --log error", async () => {
    const cli = startCli([
      '--port',
      '0',
      '--log',
      'error',
      '--hub',
      '--hub-port',
      '0',
      '--hub-host',
      '127.0.0.1',
    ]);
    try {
      await cli.started();
      const printed = cli.output();
      assert.match(printed, /Instructor hub:.*\n\n {2}http:\/\/\S+\/#token=\S+/, printed);
      assert.match(printed, /The hub listens on 127\.0\.0\.1:\d+/, printed);
      assert.match(printed, /npm start -- --report-to http:\/\/\S+\/join\/\S+ --name/, printed);
    } finally {
      await cli.stop();
    }
  });

  it('tells a learner started with --log warn that the hub is full', async () => {
    let reports = 0;
    const hub = createServer((request, response) => {
      reports += 1;
      request.resume();
      response.writeHead(403).end();
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const { port } = hub.address() as AddressInfo;
    const cli = startCli([
      '--port',
      '0',
      '--log',
      'warn',
      '--report-to',
      `http://127.0.0.1:${port}/join/aaaaaaaaaaaaaaaaaaaa`,
      '--name',
      'Dana',
    ]);
    try {
      await cli.started();
      await waitFor('the learner to hear that the hub is full', () =>
        /hub is full/.test(cli.output()),
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message} after ${reports} report(s)\n${cli.output()}`);
      });
    } finally {
      await cli.stop();
      hub.close();
    }
  });

  it('logs at error, so that --log error shows it, that a terminal could not start', async () => {
    const shell = chooseShell();
    if ('problem' in shell) throw new Error(shell.problem);
    // A shell the pty cannot be given: reading its environment throws.
    const env = Object.defineProperty({}, 'BROKEN', {
      enumerable: true,
      get: () => {
        throw new Error('no environment today');
      },
    }) as Record<string, string>;
    const errors = mock.method(console, 'error', () => undefined);
    const level = runnerLog.level;
    runnerLog.level = 'error';
    // The runner's parts write to the runner's log, as `npm start` has them.
    const runner = await liveRunner({ shell: { ...shell, env }, log: 'runner' });
    const client = new TerminalClient(runner);
    try {
      await waitFor('the runner to log that the terminal could not start', () =>
        errors.mock.calls.some((call) =>
          /could not start a terminal: no environment today/.test(String(call.arguments[0])),
        ),
      );
    } finally {
      client.socket.close();
      await runner.stop();
      runnerLog.level = level;
      mock.restoreAll();
    }
  });
});
