import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHub, type RunningHub } from '../../../../runner/classroom/hub.ts';
import { hubAddresses, hubHost, hubPolicy } from '../../../../runner/classroom/hub/http.ts';
import { call } from '../../support/hub.ts';

/**
 * The hub's origins (docs/security.md, "Instructor hub"): the instructor's table lives under a
 * fresh `<id>.localhost` origin at each start, which nothing that held the port before can have
 * served; its pages under any other loopback name of the port send the browser there, the API
 * refuses those names' pages, and no service worker or long-cached script is ever answered.
 * Learners' runners reach the hub by any address, with no Origin, as before.
 */

describe('the hub’s host and origin rules', () => {
  const policy = hubPolicy('v'.repeat(32), 4322, '0123456789abcdef.localhost:4322');

  it('tells this start’s view origin from the port’s other loopback names and the network', () => {
    assert.equal(hubHost('0123456789abcdef.localhost:4322', policy), 'view');
    assert.equal(hubHost('0123456789ABCDEF.localhost:4322', policy), 'view');
    for (const earlier of [
      '127.0.0.1:4322',
      'localhost:4322',
      '[::1]:4322',
      'fedcba9876543210.localhost:4322',
    ])
      assert.equal(hubHost(earlier, policy), 'earlier', earlier);
    for (const network of [
      '192.168.1.20:4322',
      'name-4322.app.github.dev',
      '127.0.0.1:4321',
      'evil.example:4322',
      undefined,
    ])
      assert.equal(hubHost(network, policy), 'network', String(network));
  });

  it('holds the port on both loopback addresses, whatever the hub’s own address', () => {
    assert.deepEqual(hubAddresses('127.0.0.1'), ['127.0.0.1', '::1']);
    assert.deepEqual(hubAddresses('localhost'), ['127.0.0.1', '::1']);
    assert.deepEqual(hubAddresses('0.0.0.0'), ['0.0.0.0', '::1']);
    assert.deepEqual(hubAddresses('::'), ['::', '0.0.0.0']);
    assert.deepEqual(hubAddresses('192.168.1.20'), ['192.168.1.20', '127.0.0.1', '::1']);
  });
});

describe('a running hub’s origins', () => {
  let hub: RunningHub;
  let home: string;
  let own: string;
  let bearer: Record<string, string>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'istio-lab-hub-origin-'));
    hub = await startHub({ host: '127.0.0.1', port: 0, stateDir: home, log: () => undefined });
    own = new URL(hub.view).host;
    bearer = { Authorization: `Bearer ${hub.viewToken}` };
  });
  after(async () => {
    await hub.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('names a fresh .localhost origin for the view, on the hub’s port', () => {
    assert.match(hub.view, new RegExp(`^http://[0-9a-f]{16}\\.localhost:${hub.port}/$`));
    assert.equal(hub.url, `http://127.0.0.1:${hub.port}/`);
  });

  it('sends the table’s pages under other loopback names to the view origin, without a token', async () => {
    for (const host of [
      `127.0.0.1:${hub.port}`,
      `localhost:${hub.port}`,
      `[::1]:${hub.port}`,
      `0123456789abcdef.localhost:${hub.port}`,
    ]) {
      for (const path of ['/?lang=it', '/hub.js', '/hub.css']) {
        const answer = await call(hub.port, path, { headers: { Host: host } });
        assert.equal(answer.status, 302, `${host}${path}`);
        assert.equal(answer.headers.location, `http://${own}${path}`, `${host}${path}`);
      }
      const offered = await call(hub.port, `/?token=${hub.viewToken}&lang=ru`, {
        headers: { Host: host },
      });
      assert.equal(offered.headers.location, `http://${own}/?lang=ru`, 'the token stays behind');
    }
    const page = await call(hub.port, '/?lang=it', { headers: { Host: own } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="it">/);
  });

  it('caches nothing, and answers a service worker’s script with 404 and Clear-Site-Data', async () => {
    for (const path of ['/', '/hub.js', '/hub.css']) {
      const answer = await call(hub.port, path, { headers: { Host: own } });
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers['cache-control'], 'no-store', path);
    }
    for (const host of [own, `127.0.0.1:${hub.port}`, `192.168.1.20:${hub.port}`]) {
      const worker = await call(hub.port, '/sw.js', {
        headers: { Host: host, 'Service-Worker': 'script' },
      });
      assert.equal(worker.status, 404, host);
      assert.equal(worker.headers['clear-site-data'], '"storage"', host);
    }
  });

  it('lets the view origin’s pages and programs read the table, and no other loopback origin', async () => {
    const read = (headers: Record<string, string>) =>
      call(hub.port, '/api/learners', { headers }).then((answer) => answer.status);
    // The view origin's own page.
    assert.equal(await read({ Host: own, Origin: `http://${own}`, ...bearer }), 200);
    // A program on this machine: 127.0.0.1, no Origin.
    assert.equal(await read({ Host: `127.0.0.1:${hub.port}`, ...bearer }), 200);
    // A page of an earlier origin of this port, which anything could have served: signed out.
    for (const origin of [
      `http://127.0.0.1:${hub.port}`,
      `http://localhost:${hub.port}`,
      `http://0123456789abcdef.localhost:${hub.port}`,
    ]) {
      assert.equal(await read({ Host: `127.0.0.1:${hub.port}`, Origin: origin, ...bearer }), 401);
      assert.equal(await read({ Host: own, Origin: origin, ...bearer }), 401, origin);
    }
    assert.equal(await read({ Host: own, Origin: 'http://evil.example', ...bearer }), 403);
    assert.equal(await read({ Host: own }), 401, 'no token');
    assert.equal(await read({ Host: own, Authorization: `Bearer ${hub.joinToken}` }), 401);
  });

  it('answers on a network address as before: its own page, the view token', async () => {
    const host = `192.168.1.20:${hub.port}`;
    const page = await call(hub.port, '/', { headers: { Host: host } });
    assert.equal(
      page.status,
      200,
      'no redirect to a name that is loopback on the viewer’s machine',
    );
    const read = (headers: Record<string, string>) =>
      call(hub.port, '/api/learners', { headers: { Host: host, ...headers } }).then(
        (answer) => answer.status,
      );
    assert.equal(await read(bearer), 200);
    assert.equal(await read({ Origin: `http://${host}`, ...bearer }), 200);
    assert.equal(await read({ Origin: 'http://evil.example', ...bearer }), 403);
    assert.equal(await read({}), 401);
  });

  it('takes learners’ reports by any address, as their runners send them', async () => {
    for (const [host, learner] of [
      [`127.0.0.1:${hub.port}`, 'ada-learner-00000001'],
      [`192.168.1.20:${hub.port}`, 'bo-learner-000000001'],
      [own, 'cy-learner-000000001'],
    ] as const) {
      const answer = await call(hub.port, `/join/${hub.joinToken}/report`, {
        method: 'POST',
        headers: { Host: host, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Ada', learner, results: [] }),
      });
      assert.equal(answer.status, 204, host);
    }
  });

  it('makes a new view link at each start and refuses the earlier one, keeping the join link', async () => {
    const { joinToken, viewToken, view, port } = hub;
    await hub.close();
    hub = await startHub({ host: '127.0.0.1', port, stateDir: home, log: () => undefined });
    own = new URL(hub.view).host;
    assert.equal(hub.joinToken, joinToken);
    assert.notEqual(hub.viewToken, viewToken);
    assert.notEqual(hub.view, view);
    const earlier = await call(hub.port, '/api/learners', {
      headers: { Host: own, Authorization: `Bearer ${viewToken}` },
    });
    assert.equal(earlier.status, 401);
    const page = await call(hub.port, '/', { headers: { Host: new URL(view).host } });
    assert.equal(page.status, 302, 'the earlier view origin is sent to this one');
    assert.equal(page.headers.location, `http://${own}/`);
  });
});
