import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { liveRunner } from '../../support/live-runner.ts';

function listenOn(host: string, port: number): Promise<Server | undefined> {
  const server = createServer((_request, response) => response.end('squatter'));
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => resolve(server));
  });
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

describe('the runner holds its port on both loopback addresses', () => {
  it('does not start when another process holds the port on [::1]', async (context) => {
    const squatter = await listenOn('::1', 0);
    if (!squatter) return context.skip('this machine has no IPv6 loopback');
    const port = (squatter.address() as AddressInfo).port;
    try {
      // A browser tries ::1 for <id>.localhost as readily as 127.0.0.1: a runner on 127.0.0.1
      // alone would hand the printed link to whatever listens there.
      const started = await liveRunner({ port }).catch((error: unknown) => error);
      // A runner that started anyway is stopped, so that the failure does not hang the test.
      if (started !== null && typeof started === 'object' && 'stop' in started)
        await (started as { stop(): Promise<void> }).stop();
      assert.equal((started as NodeJS.ErrnoException).code, 'EADDRINUSE');
      const free = await listenOn('127.0.0.1', port);
      assert.ok(free, 'the refused start released 127.0.0.1 again');
      await close(free);
    } finally {
      await close(squatter);
    }
  });

  it('holds [::1] of its port while it runs, so nothing else can listen there', async (context) => {
    const probe = await listenOn('::1', 0);
    if (!probe) return context.skip('this machine has no IPv6 loopback');
    await close(probe);
    const runner = await liveRunner();
    try {
      assert.equal(await listenOn('::1', runner.port), undefined);
      assert.equal(await listenOn('127.0.0.1', runner.port), undefined);
    } finally {
      await runner.stop();
    }
  });
});
