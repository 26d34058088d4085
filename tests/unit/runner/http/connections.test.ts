import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHub, type RunningHub } from '../../../../runner/classroom/hub.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

/** Opens `count` connections that send half a request and then nothing. */
async function halfOpen(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
            resolve(socket);
          });
          socket.on('error', () => undefined);
          // Read what the server answers (a 408), so that its close is seen.
          socket.resume();
          socket.once('error', reject);
        }),
    ),
  );
}

describe('half-open connections', () => {
  let runner: LiveRunner;
  let hub: RunningHub;
  before(async () => {
    runner = await liveRunner({ headersTimeoutMs: 1_000 });
    hub = await startHub({
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      headersTimeoutMs: 1_000,
    });
  });
  after(async () => {
    await Promise.all([runner.stop(), hub.close()]);
  });

  for (const target of ['runner', 'hub'] as const)
    it(`the ${target} answers meanwhile, and closes them once their headers are late`, async () => {
      const port = target === 'runner' ? runner.port : hub.port;
      const sockets = await halfOpen(port, 300);
      try {
        const url =
          target === 'runner' ? `${runner.url}api/health` : `http://127.0.0.1:${port}/join/x`;
        const answer = await fetch(url, { headers: target === 'runner' ? runner.headers : {} });
        assert.ok(answer.status < 500, `a normal request is answered (${answer.status})`);
        const open = () => sockets.filter((socket) => !socket.closed).length;
        await waitFor('the half-sent requests to be closed', () => open() === 0, 8_000, 100).catch(
          (error: unknown) => assert.fail(`${String(error)}: ${open()} of 300 still open`),
        );
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    });
});
