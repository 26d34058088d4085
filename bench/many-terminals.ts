import { setTimeout as sleep } from 'node:timers/promises';
import { rssBytes } from './scope.ts';
import { quiet, timeUntilMarker, type ServerStream } from './stream-clients.ts';
import { floodCommand } from './throughput.ts';

/** Several terminals of one server flooding at once, and its memory during and after. */
export interface ManyTerminalsRun {
  terminals: number;
  /** Bytes each terminal printed. */
  bytes: number;
  /** The server's RSS with every terminal open at its prompt, at its peak, and `afterMs` after. */
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  afterMs: number;
  /** ms from the end of the last flood until the RSS stayed at or under `bound`, if it did. */
  settledMs?: number;
  bound: number;
  /** ms from the floods' start to the end of the last. */
  floodMs: number;
}

const sampleEveryMs = 250;

/**
 * Opens `count` terminals with `connect`, floods each with `cat` of `file` at the same time, and
 * samples the server's RSS every 250 ms during the floods and for `afterMs` after the last ended
 * (each terminal's client acknowledges on arrival, as a page that keeps up does). The terminals
 * are ended after.
 */
export async function floodMany(
  connect: (index: number) => Promise<ServerStream>,
  pid: number,
  file: { path: string; bytes: number },
  options: { count: number; afterMs: number; bound: number },
): Promise<ManyTerminalsRun> {
  const clients: ServerStream[] = [];
  try {
    for (let i = 0; i < options.count; i++) clients.push(await connect(i));
    await Promise.all(clients.map((client) => quiet(client)));
    const rssBefore = rssBytes(pid);
    let rssPeak = rssBefore;
    let flooding = true;
    const sampling = (async () => {
      while (flooding) {
        await sleep(sampleEveryMs);
        rssPeak = Math.max(rssPeak, rssBytes(pid));
      }
    })();
    const started = performance.now();
    await Promise.all(
      clients.map((client) => {
        const { command, marker } = floodCommand(file.path);
        return timeUntilMarker(client, command, marker);
      }),
    );
    const ended = performance.now();
    flooding = false;
    await sampling;
    // Settled: at or under the bound from some sample on to the end (the kept screens are parsed
    // and serialized once the output goes quiet, so the RSS can rise after the floods end).
    let rss = rssBytes(pid);
    let lastAbove = rss > options.bound ? 0 : -1;
    rssPeak = Math.max(rssPeak, rss);
    while (performance.now() - ended < options.afterMs) {
      await sleep(sampleEveryMs);
      rss = rssBytes(pid);
      rssPeak = Math.max(rssPeak, rss);
      if (rss > options.bound) lastAbove = performance.now() - ended;
    }
    const settledMs =
      rss > options.bound ? undefined : lastAbove < 0 ? 0 : lastAbove + sampleEveryMs;
    return {
      terminals: options.count,
      bytes: file.bytes,
      rssBefore,
      rssPeak,
      rssAfter: rss,
      afterMs: options.afterMs,
      ...(settledMs === undefined ? {} : { settledMs }),
      bound: options.bound,
      floodMs: ended - started,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => client.close())));
  }
}
