import { findLeftovers, unreadableLedgers } from '../process/ledger.ts';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { arch, freemem, platform } from 'node:os';
import { projectRoot } from '../book-build.ts';
import { bookTexts, resolveImages } from '../images/images.ts';
import type { CommandResult, DevContainer, DoctorSystem } from './types.ts';

/** How long one tool may take to answer before the doctor gives up on it. */
const commandTimeoutMs = 10_000;
/** How long a connection to a local port may take: loopback answers at once or never. */
const connectTimeoutMs = 1_000;

/**
 * Which dev container this is, from the variables each one sets: GitHub Codespaces sets
 * CODESPACES, VS Code Dev Containers REMOTE_CONTAINERS, DevPod DEVPOD, and the book's own
 * .devcontainer ISTIO_LAB_DEVCONTAINER. Read from the runner's own environment: the labs' one is
 * allow-listed and has none of them.
 */
export function devContainerIn(env: NodeJS.ProcessEnv): DevContainer | undefined {
  if (env.CODESPACES === 'true') return 'codespaces';
  if (
    env.ISTIO_LAB_DEVCONTAINER === '1' ||
    env.REMOTE_CONTAINERS === 'true' ||
    env.DEVPOD === 'true'
  )
    return 'devContainer';
  return undefined;
}

/** The real machine, seen through the labs' environment. */
export function realSystem(env: NodeJS.ProcessEnv): DoctorSystem {
  return {
    run: (command, args) => runCommand(command, args, env),
    readProc: (path) => readFile(path, 'utf8'),
    platform: platform(),
    arch: arch(),
    freeMemory: freemem,
    portBusy,
    devContainer: () => devContainerIn(process.env),
    leftovers: (ledger) =>
      findLeftovers(ledger).map(({ entry, pids }) => ({ kind: entry.kind, pids })),
    unreadableLedgers,
    imageList: (pins, home) =>
      resolveImages({
        pins,
        texts: bookTexts(projectRoot, pins),
        home,
        online: false,
        deps: {
          run: async (command, args) => {
            // istioctl prints a whole profile, CRDs included: more than a version line.
            const result = await runCommand(command, args, env, 64 << 20);
            if (!result.ok)
              throw new Error(result.stderr.trim().split('\n').at(-1) || `${command} failed`);
            return result.stdout;
          },
          fetchText: () => Promise.reject(new Error('the doctor does not fetch')),
        },
      }),
  };
}

export function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  maxBuffer = 1 << 20,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env, timeout: commandTimeoutMs, maxBuffer },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({ ok: !error, missing: code === 'ENOENT', stdout, stderr });
      },
    );
  });
}

/**
 * The loopback addresses the runner holds its port on (runner/http/listen.ts): a port taken on
 * either one keeps the runner from starting.
 */
const loopbacks = ['127.0.0.1', '::1'] as const;

/**
 * Something listens on the port if a connection to it succeeds, or if binding it fails with
 * EADDRINUSE, on 127.0.0.1 or on ::1. Both are asked: on macOS a bind to 127.0.0.1 can succeed
 * beside a listener on 0.0.0.0, and a listener on [::1] only would not take the connection.
 */
export async function portBusy(port: number): Promise<boolean> {
  for (const host of loopbacks)
    if ((await connects(host, port)) || !(await binds(host, port))) return true;
  return false;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(connectTimeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether the port can be bound on `host`; a machine without that address (no IPv6) can. */
function binds(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true, ipv6Only: host.includes(':') }, () =>
      server.close(() => resolve(true)),
    );
  });
}
