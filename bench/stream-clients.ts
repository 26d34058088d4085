import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { FlowLimits } from '../src/lib/wire/flow-limits.ts';
import type { ServerMessage } from '../src/lib/wire/protocol.ts';
import type { OurRunner } from './our-runner.ts';
import { waitFor } from './scope.ts';
import type { WettyInstall, Wetty } from './wetty.ts';

/**
 * A terminal's stream with no browser: keystrokes out, output in, acknowledged on arrival as the
 * server's flow control expects. What it measures is the server: pty → socket.
 */
export interface StreamClient {
  type(text: string): void;
  /** Called with every chunk of output as it arrives. */
  onOutput: (chunk: Buffer | string) => void;
  close(): void;
}

/** A server's terminal stream, which can also end its shell. */
export interface ServerStream extends StreamClient {
  /** Ends the terminal's shell and resolves once the server has let it go. */
  end(): Promise<void>;
}

/** Types `exit` into `client` and waits until `closed()`, for at most 10 s. */
async function exitAndWait(client: StreamClient, closed: () => boolean): Promise<void> {
  client.type('exit\r');
  await waitFor('the terminal to end after `exit`', () => closed() || undefined, 10_000);
}

export const terminalSize = { cols: 148, rows: 40 } as const;

/** Our runner's terminal WebSocket (docs/runner-api.md), on its own session. */
export async function connectOurs(runner: OurRunner, session: string): Promise<ServerStream> {
  const query = `session=${session}&cols=${terminalSize.cols}&rows=${terminalSize.rows}`;
  const socket = new WebSocket(`${runner.url.replace('http', 'ws')}api/terminal?${query}`, [], {
    headers: runner.headers,
  });
  let unacked = 0;
  let closed = false;
  socket.once('close', () => (closed = true));
  const client: ServerStream = {
    type: (text) => socket.send(Buffer.from(text), { binary: true }),
    onOutput: () => undefined,
    close: () => socket.close(),
    end: () => exitAndWait(client, () => closed),
  };
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        if ((JSON.parse(data.toString('utf8')) as ServerMessage).type === 'screen') resolve();
        return;
      }
      client.onOutput(data);
      unacked += data.length;
      if (unacked >= FlowLimits.ackBytes) {
        socket.send(JSON.stringify({ type: 'ack', bytes: unacked }));
        unacked = 0;
      }
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`the runner refused the terminal: ${response.statusCode}`)),
    );
  });
  return client;
}

interface IoSocket {
  on(event: string, listener: (...args: never[]) => void): IoSocket;
  emit(event: string, ...args: unknown[]): IoSocket;
  disconnect(): IoSocket;
}

/**
 * Wetty's socket.io stream, with the socket.io client that wetty itself installed. It commits
 * every 256 KiB as wetty's page does (build/client: FlowControlClient).
 */
export async function connectWetty(install: WettyInstall, wetty: Wetty): Promise<ServerStream> {
  const require = createRequire(join(install.dir, 'package.json'));
  const { io } = require('socket.io-client') as {
    io: (url: string, options: object) => IoSocket;
  };
  const socket = io(wetty.url, { transports: ['websocket'], reconnection: false });
  const ackBytes = 262_144;
  let counter = 0;
  const client: ServerStream = {
    type: (text) => socket.emit('input', text),
    onOutput: () => undefined,
    close: () => socket.disconnect(),
    // wetty ends a connection's shell when the connection goes.
    end: () => {
      socket.disconnect();
      return Promise.resolve();
    },
  };
  await new Promise<void>((resolve, reject) => {
    socket.on('login', () => {
      socket.emit('resize', terminalSize);
      resolve();
    });
    socket.on('connect_error', (error: Error) => reject(error));
    socket.on('data', (data: string) => {
      client.onOutput(data);
      counter += data.length;
      if (counter >= ackBytes) {
        counter -= ackBytes;
        socket.emit('commit', ackBytes);
      }
    });
  });
  return client;
}

/** Waits until no output has arrived for `ms` (the shell has drawn its prompt and is waiting). */
export async function quiet(client: StreamClient, ms = 300): Promise<void> {
  let last = performance.now();
  const previous = client.onOutput;
  client.onOutput = (chunk) => {
    last = performance.now();
    previous(chunk);
  };
  await waitFor('the terminal to go quiet', () =>
    performance.now() - last >= ms ? true : undefined,
  );
  client.onOutput = previous;
}

/** Types `command` and Enter; resolves with the ms until `marker` has arrived in the output. */
export function timeUntilMarker(
  client: StreamClient,
  command: string,
  marker: string,
): Promise<number> {
  return new Promise((resolve) => {
    const needle = Buffer.from(marker, 'latin1');
    let tail = Buffer.alloc(0);
    const start = performance.now();
    client.onOutput = (chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      // The marker may straddle two chunks: look at the seam as well as inside the chunk.
      const seam = Buffer.concat([tail, bytes.subarray(0, needle.length)]);
      if (seam.includes(needle) || bytes.includes(needle)) {
        client.onOutput = () => undefined;
        resolve(performance.now() - start);
        return;
      }
      tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - needle.length)));
    };
    client.type(`${command}\r`);
  });
}

/** Keystroke → echo round trips at the prompt: `a`, then Backspace, and so on. */
export async function echoSamples(client: StreamClient, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(3);
    const start = performance.now();
    await new Promise<void>((resolve) => {
      client.onOutput = () => {
        client.onOutput = () => undefined;
        resolve();
      };
      client.type(i % 2 === 0 ? 'a' : '\x7f');
    });
    samples.push(performance.now() - start);
  }
  return samples;
}
