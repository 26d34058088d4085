import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../../src/lib/wire/protocol.ts';
import { LabCatalog } from '../../../runner/lab-catalog.ts';
import { startRunner, type RunnerOptions, type RunningRunner } from '../../../runner/cli.ts';
import { chooseShell, type ShellCommand } from '../../../runner/terminal/shell.ts';
import { ensureWorkspace, workspaceAt, type Workspace } from '../../../runner/workspace.ts';
import { waitFor } from './poll.ts';

export const root = new URL('../../..', import.meta.url).pathname;
export const fixtureLabs = join(root, 'tests/fixtures/labs');

export interface LiveRunner extends RunningRunner {
  workspace: Workspace;
  /** Headers that pass the Host and token checks, as a tool would send them. */
  headers: Record<string, string>;
  stop(): Promise<void>;
}

function defaultShell(): ShellCommand {
  const shell = chooseShell();
  if ('problem' in shell) throw new Error(shell.problem);
  return shell;
}

/**
 * A runner in this process on a free loopback port, with a fresh workspace and the fixture labs.
 * It logs nothing unless `log` is given; `log: 'runner'` leaves the runner's log (runner/log.ts),
 * as `npm start` has it.
 */
export async function liveRunner(
  options: Partial<Omit<RunnerOptions, 'log'>> & { log?: RunnerOptions['log'] | 'runner' } = {},
): Promise<LiveRunner> {
  const { log = () => undefined, ...rest } = options;
  const workspace = workspaceAt(mkdtempSync(join(tmpdir(), 'istio-lab-unit-')));
  ensureWorkspace(workspace);
  const runner = await startRunner({
    host: '127.0.0.1',
    port: 0,
    dist: join(root, 'tests/fixtures/no-dist'),
    labs: new LabCatalog(
      [join(root, 'content/labs'), fixtureLabs],
      join(root, 'content/versions.yaml'),
    ),
    workspace,
    allowOrigins: [],
    version: 'test',
    kubeContext: 'kind-istio-lab',
    shell: defaultShell(),
    ...(log === 'runner' ? {} : { log }),
    ...rest,
  });
  return {
    ...runner,
    workspace,
    headers: { Authorization: `Bearer ${runner.token}` },
    stop: async () => {
      await runner.close();
      rmSync(workspace.root, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** A terminal WebSocket client that records everything, for tests that wait on what arrived. */
export class TerminalClient {
  readonly socket: WebSocket;
  readonly messages: ServerMessage[] = [];
  output = '';
  bytes = 0;
  closed: { code: number; reason: string } | undefined;
  #autoAck: boolean;

  constructor(
    runner: LiveRunner,
    query = 'session=main',
    options: { autoAck?: boolean; headers?: Record<string, string>; protocols?: string[] } = {},
  ) {
    this.#autoAck = options.autoAck ?? true;
    this.socket = new WebSocket(
      `${runner.url.replace('http', 'ws')}api/terminal?${query}`,
      options.protocols ?? [],
      {
        headers: options.headers ?? runner.headers,
      },
    );
    this.socket.on('message', (data, isBinary) => {
      const buffer = data as Buffer;
      if (isBinary) {
        this.output += buffer.toString('utf8');
        this.bytes += buffer.length;
        if (this.#autoAck) this.send({ type: 'ack', bytes: buffer.length });
      } else {
        this.messages.push(JSON.parse(buffer.toString('utf8')) as ServerMessage);
      }
    });
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.socket.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
      this.socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  type(text: string): void {
    this.socket.send(Buffer.from(text), { binary: true });
  }

  /** Waits until `predicate` holds (support/poll.ts); fails with `what` and the output's tail after `ms`. */
  async until(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
    try {
      await waitFor(what, predicate, ms);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; output tail: ${JSON.stringify(this.output.slice(-300))}`,
        { cause: error },
      );
    }
  }

  /** The next message of a type after the `index`-th message. */
  async message<T extends ServerMessage['type']>(
    type: T,
    after = 0,
    ms = 10_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    let found: ServerMessage | undefined;
    await this.until(
      `a "${type}" message`,
      () => (found = this.messages.slice(after).find((m) => m.type === type)) !== undefined,
      ms,
    );
    return found as Extract<ServerMessage, { type: T }>;
  }

  close(): void {
    this.socket.close();
  }
}
