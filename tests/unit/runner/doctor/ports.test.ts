import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { portBusy } from '../../../../runner/doctor/system.ts';

/** A listener on one loopback address only, on a free port; undefined where the machine lacks it. */
function listenOn(host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port: 0, exclusive: true, ipv6Only: host.includes(':') }, () =>
      resolve(server),
    );
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The runner holds its port on 127.0.0.1 and on ::1 (runner/http/listen.ts), so the Doctor's
 * "ports" item must find a port taken on either: a process on [::1] alone keeps the runner from
 * starting as surely as one on 127.0.0.1.
 */
describe('the Doctor finds a port taken', () => {
  for (const host of ['127.0.0.1', '::1']) {
    it(`on ${host} alone`, async (t) => {
      const server = await listenOn(host);
      if (!server) {
        t.skip(`this machine has no ${host} to listen on`);
        return;
      }
      try {
        const { port } = server.address() as AddressInfo;
        assert.equal(await portBusy(port), true, `a listener on ${host}:${port}`);
      } finally {
        await close(server);
      }
    });
  }

  it('and a free port free', async () => {
    const server = await listenOn('127.0.0.1');
    assert.ok(server);
    const { port } = server.address() as AddressInfo;
    await close(server);
    assert.equal(await portBusy(port), false);
  });
});
