import type { IPty } from 'node-pty';
import type { ServerMessage } from '../../../src/lib/wire/protocol.ts';
import { BatchLimits } from '../../../runner/terminal/output-batch.ts';
import { TerminalSession } from '../../../runner/terminal/session.ts';
import { answerJson, definePage, FakeSocket } from '../support/page.ts';
import { waitFor } from '../support/poll.ts';
import {
  newTerminal,
  written,
  type HeadlessTerminal,
  type Step,
} from '../../screen-differential/compare.ts';

/**
 * Recorded output through the runner to a page, in Node: a terminal session (its batches, kept
 * screen and page stream, runner/terminal/session.ts) on a fake pty that hands over the recorded
 * chunks, and pages that are the book's own stream client (src/client/terminal-connection.ts) on
 * a fake WebSocket, each drawing into a headless xterm. Nothing waits on time but the output
 * batch's window: a page acknowledges only when the harness lets it, so it falls behind a flood
 * and the runner skips what the page's scrollback would lose, whatever the machine's speed.
 */

definePage({ fetch: answerJson({}) });

const { TerminalConnection } = await import('../../../src/client/terminal-connection.ts');

/** A pty that hands over the chunks it is given, and keeps what it is told to do. */
class RecordedPty {
  /** Far above any pid the system hands out: signalling its group finds nothing. */
  readonly pid = 2 ** 30;
  paused = false;
  typed: string[] = [];
  #data: ((data: Buffer) => void) | undefined;
  onData = (listener: (data: Buffer) => void) => {
    this.#data = listener;
    return { dispose: () => {} };
  };
  onExit = () => ({ dispose: () => {} });
  write = (data: string | Buffer) => this.typed.push(String(data));
  resize = () => {};
  pause = () => {
    this.paused = true;
  };
  resume = () => {
    this.paused = false;
  };
  kill = () => {};
  emit(data: Buffer): void {
    this.#data?.(data);
  }
}

/** A page: the book's stream client drawing into a headless xterm. */
export class Page {
  readonly terminal: HeadlessTerminal;
  readonly socket: FakeSocket;
  readonly connection: InstanceType<typeof TerminalConnection>;
  /** Binary frames received, for telling when the runner has stopped sending, and their bytes. */
  frames = 0;
  bytes = 0;

  constructor(cols: number, rows: number) {
    this.terminal = newTerminal(cols, rows);
    const terminal = this.terminal;
    this.connection = new TerminalConnection(
      {
        get cols() {
          return terminal.cols;
        },
        get rows() {
          return terminal.rows;
        },
        onData: (listener) => terminal.onData(listener),
        onBinary: (listener) => terminal.onBinary(listener),
        write: (data, callback) => terminal.write(data, callback),
        writeln: (data) => terminal.writeln(data),
        reset: () => terminal.reset(),
        focus: () => {},
      },
      () => {},
    );
    this.connection.connect();
    const socket = FakeSocket.made.at(-1);
    if (!socket) throw new Error('the page made no socket');
    this.socket = socket;
    socket.open();
  }

  /** The runner's end of this page's socket. */
  readonly client = {
    sendBytes: (data: Uint8Array) => {
      this.frames++;
      this.bytes += data.byteLength;
      const copy = new Uint8Array(data);
      this.socket.receive(copy.buffer);
    },
    sendMessage: (message: ServerMessage) => this.socket.message(message),
    close: () => {},
  };

  /** Every write the page has made is drawn. */
  drawn(): Promise<void> {
    return written(this.terminal, '');
  }
}

/** A recorded case run through the runner to pages; `pages` are the ones that attached. */
export class Pipeline {
  readonly pty = new RecordedPty();
  readonly session: TerminalSession;
  page: Page;
  cols: number;
  rows: number;
  /** Bytes the pty handed over, and bytes sent to the pages. */
  read = 0;
  sent = 0;

  private constructor(size: { cols: number; rows: number }) {
    this.cols = size.cols;
    this.rows = size.rows;
    this.session = new TerminalSession({
      name: 'differential',
      shell: { kind: 'bash', file: 'recorded', args: [], env: {} },
      env: {},
      cwd: '/',
      cols: size.cols,
      rows: size.rows,
      onEnd: () => {},
      spawn: () => this.pty as unknown as IPty,
    });
    this.page = new Page(size.cols, size.rows);
  }

  static async start(size: { cols: number; rows: number }): Promise<Pipeline> {
    const pipeline = new Pipeline(size);
    await pipeline.#attach();
    return pipeline;
  }

  async #attach(): Promise<void> {
    const page = this.page;
    await this.session.attach(page.client, { cols: page.terminal.cols, rows: page.terminal.rows });
    await this.settle();
  }

  /** Hands the page's messages (acknowledgements, resizes, keys) to the runner. */
  #deliver(): boolean {
    const outbox = this.page.socket.sent.splice(0);
    for (const frame of outbox) {
      if (typeof frame !== 'string') {
        this.session.input(frame);
        continue;
      }
      const message = JSON.parse(frame) as {
        type: string;
        bytes?: number;
        cols?: number;
        rows?: number;
      };
      if (message.type === 'ack') this.session.acknowledge(message.bytes ?? 0);
      else if (message.type === 'resize') this.session.resize(message.cols ?? 0, message.rows ?? 0);
    }
    return outbox.length > 0;
  }

  /**
   * The page draws and acknowledges everything, until the runner has nothing more to send it: a
   * round with no frame sent and nothing acknowledged, after the output batch's window.
   */
  async settle(): Promise<void> {
    for (;;) {
      const frames = this.page.frames;
      await this.page.drawn();
      const delivered = this.#deliver();
      await new Promise((resolve) => setTimeout(resolve, BatchLimits.windowMs * 2));
      await this.page.drawn();
      if (!delivered && frames === this.page.frames && this.page.socket.sent.length === 0) return;
    }
  }

  /**
   * Plays the steps: output as fast as the pty is let go, the page drawing but not acknowledging.
   * `restored` is called with each page that a reload step attached, once it has restored the
   * screen, and the number of steps before it.
   */
  async play(
    steps: readonly Step[],
    restored: (page: Page, after: number) => Promise<void>,
  ): Promise<void> {
    for (const [index, step] of steps.entries()) {
      if ('bytes' in step) {
        for (let at = 0; at < step.bytes.length; at += 4096) {
          if (this.pty.paused) {
            // Held: the page catches up (or the kept screen's worker does) before more is read.
            await this.page.drawn();
            this.#deliver();
            await waitFor(
              'the pty to be let go',
              async () => {
                await this.page.drawn();
                this.#deliver();
                return !this.pty.paused;
              },
              60_000,
              5,
            );
          }
          const chunk = step.bytes.subarray(at, Math.min(step.bytes.length, at + 4096));
          this.read += chunk.length;
          this.pty.emit(chunk);
        }
      } else if ('resize' in step) {
        await this.settle();
        this.cols = step.resize.cols;
        this.rows = step.resize.rows;
        this.page.terminal.resize(this.cols, this.rows);
        this.page.connection.resize(this.cols, this.rows);
        this.#deliver();
      } else if ('key' in step) {
        this.page.terminal.input(step.key, true);
        this.#deliver();
      } else {
        await restored(await this.reload(), index);
      }
    }
    await this.settle();
    this.sent += this.page.bytes;
    this.page.bytes = 0;
  }

  /** A new page attaches, as a reload does. */
  async reload(): Promise<Page> {
    this.session.detach(this.page.client);
    this.sent += this.page.bytes;
    this.page.connection.dispose();
    this.page = new Page(this.cols, this.rows);
    await this.#attach();
    return this.page;
  }

  dispose(): void {
    this.page.connection.dispose();
    void this.session.dispose();
  }
}
