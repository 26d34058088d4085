// The servers the end-to-end tests and the bench start: the runner in its own process, and the
// built book served with no runner behind it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serveStatic } from '../runner/http/static-files.ts';

const root = new URL('..', import.meta.url).pathname;

/** What the runner writes to runner.json once it listens. */
export interface RunnerFile {
  /** Where this process reaches the runner (127.0.0.1). */
  url: string;
  /** The book's address for the browser: the runner's own origin at this start. */
  book: string;
  port: number;
  token: string;
}

export interface RunnerProcess {
  child: ChildProcess;
  /** What the runner has printed so far (stdout and stderr). */
  output: () => string;
  /** Settles with runner.json once the runner has written it; rejects if it exits first. */
  started: Promise<RunnerFile>;
  /** Ends the runner (SIGTERM) and waits for it; safe to call twice. */
  stop: () => Promise<void>;
}

/** Ends a child with SIGTERM and waits for it; safe to call twice. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts the runner as `npm start` does (runner/start.js, in its own process), as the end-to-end
 * tests and the bench use it: a free port, the workspace `home`, the given build and labs.
 */
export function spawnRunner(options: {
  home: string;
  dist: string;
  labs: readonly string[];
  extraArgs?: readonly string[];
  /** Set in the runner's environment, over this process's (the bench's ISTIO_LAB_MEMORY). */
  env?: NodeJS.ProcessEnv;
}): RunnerProcess {
  const child = spawn(
    process.execPath,
    [
      join(root, 'runner/start.js'),
      '--port',
      '0',
      '--no-build',
      '--dist',
      options.dist,
      ...options.labs.flatMap((dir) => ['--labs', dir]),
      ...(options.extraArgs ?? []),
    ],
    {
      env: { ...process.env, ...options.env, ISTIO_LAB_HOME: options.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    started: waitForRunnerFile(options.home, child, () => output),
    stop: () => stopChild(child),
  };
}

async function waitForRunnerFile(
  home: string,
  child: ChildProcess,
  printed: () => string,
): Promise<RunnerFile> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the runner exited early:\n${printed()}`);
    try {
      return JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as RunnerFile;
    } catch {
      // Not written yet: the runner is still starting.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error(`the runner did not start within 20 s:\n${printed()}`);
}

/** Serves a built book with no runner behind it: the hosted, read-only book. */
export async function startStaticHost(
  dist: string,
  base = '/',
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://static.invalid');
    // A host that publishes the book under a path (a GitHub Pages project site) has nothing
    // outside it.
    if (!url.pathname.startsWith(base)) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not under the base path');
      return;
    }
    serveStatic(dist, url.pathname.slice(base.length - 1), response, request.method ?? 'GET');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${base}`,
    close: async () => {
      // A browser keeps idle keep-alive connections open; close() alone would wait for them.
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * A forwarding service as a dev container's forwarded port or a reverse proxy is one: it listens
 * on its own port and carries every request, WebSocket upgrades included, to the runner's
 * loopback port with the browser's headers untouched, so the runner sees the public Host and
 * Origin. `target` is set once the runner has started.
 */
export async function startForwardingProxy(): Promise<{
  port: number;
  target: { port: number };
  close: () => Promise<void>;
}> {
  const target = { port: 0 };
  const server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  server.on('upgrade', (incoming, socket, head) => {
    const upstream = connect(target.port, '127.0.0.1', () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`];
      for (let i = 0; i < incoming.rawHeaders.length; i += 2)
        lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    target,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
