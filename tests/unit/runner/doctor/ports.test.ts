import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { diagnose, englishText } from '../../../../runner/doctor/doctor.ts';
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

/**
 * The classroom hub holds its port on 127.0.0.1 and ::1 too (runner/classroom/hub.ts), and does
 * not start when either is taken: the Doctor says so, as a note that only an instructor needs.
 */
describe('the Doctor finds the classroom hub’s port taken', () => {
  it('on ::1 alone', async (t) => {
    const server = await listenOn('::1');
    if (!server) {
      t.skip('this machine has no ::1 to listen on');
      return;
    }
    try {
      const { port } = server.address() as AddressInfo;
      const items = await diagnose({
        env: {},
        kubeContext: 'kind-istio-lab',
        ownPort: 1,
        ports: [],
        hubPort: port,
        labProblems: [],
        system: {
          run: () => Promise.resolve({ ok: false, missing: true, stdout: '', stderr: '' }),
          imageList: () => Promise.resolve({ images: [], problems: [] }),
          leftovers: () => [],
          unreadableLedgers: () => [],
        },
      });
      const item = items.find((found) => found.id === 'ports');
      assert.ok(item);
      assert.deepEqual(
        [item.status, item.code, item.params],
        ['ok', 'hubBusy', { ports: '', hub: port }],
      );
      assert.match(
        englishText(`lab.doctor.ports.${item.code}`, item.params),
        new RegExp(`Port ${port}, the classroom hub's, is in use`),
      );
    } finally {
      await close(server);
    }
  });
});
