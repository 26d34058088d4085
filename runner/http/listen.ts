import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listening on one port under several loopback addresses at once. A browser resolves a name under
 * `.localhost` to 127.0.0.1 and to ::1 and may try either first, so a runner that held the port on
 * 127.0.0.1 alone would leave [::1] of the same port to any other local user, who would then
 * receive the printed link's token. The runner therefore holds both, or does not start.
 */

export interface Listening {
  port: number;
  /** The addresses actually held; an address the machine does not have is left out. */
  addresses: string[];
  close(): Promise<void>;
}

/** How many free ports to try when the port is 0 and the first one is taken on another address. */
const attempts = 20;

/** Errors that mean the machine has no such address (no IPv6 loopback): nobody can hold it. */
const absent = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EINVAL']);

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    // exclusive: a port held by another process of this user in a cluster is still taken.
    server.listen({ host, port, exclusive: true, ipv6Only: host.includes(':') }, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Listens with `servers[i]` on `hosts[i]`, all on one port: `port`, or (0) a free port that is
 * free on every address. Rejects with the listen error (EADDRINUSE naming the address) when an
 * address has the port taken; an address the machine lacks is skipped.
 */
export async function listenTwice(
  servers: readonly Server[],
  hosts: readonly string[],
  port: number,
): Promise<Listening> {
  for (let attempt = 1; ; attempt++) {
    const first = await listen(servers[0] as Server, hosts[0] as string, port);
    const addresses = [hosts[0] as string];
    try {
      for (const [index, host] of hosts.entries()) {
        if (index === 0) continue;
        try {
          await listen(servers[index] as Server, host, first);
          addresses.push(host);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          if (absent.has(code)) continue;
          throw Object.assign(new Error(`port ${first} is taken on ${host}`, { cause: error }), {
            code,
          });
        }
      }
    } catch (error) {
      await Promise.all(servers.map(close));
      // A free port picked on one address can be taken on another: pick again.
      if (port === 0 && attempt < attempts) continue;
      throw error;
    }
    return {
      port: first,
      addresses,
      close: async () => {
        await Promise.all(servers.map(close));
      },
    };
  }
}
