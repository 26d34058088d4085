import type { Terminal } from '@xterm/xterm';
import { CloseCode } from '../lib/error-codes.ts';
import { FlowLimits } from '../lib/flow-limits.ts';
import type { ServerMessage } from '../lib/protocol.ts';
import { bus } from './bus.ts';
import { probeRunner, terminalTarget } from './runner-link.ts';
import { errorText, t } from './strings.ts';

/** Reconnect delays, in ms; the last one repeats. */
const backoff = [500, 1000, 2000, 4000, 8000, 10_000] as const;

export interface DockStatus {
  text: string;
  state: 'connecting' | 'connected' | 'reconnecting' | 'taken-over' | 'error';
  takeBack?: boolean;
}

/**
 * The page end of the terminal WebSocket (docs/runner-api.md): keystrokes out as binary frames,
 * output in as binary frames and rendered, control messages as JSON. It acknowledges rendered
 * bytes for the runner's flow control, ignores input while a restored screen is replayed, and
 * reconnects with backoff unless another tab took the terminal.
 */
export class TerminalConnection {
  #terminal: Terminal;
  #onStatus: (status: DockStatus) => void;
  #onScreen: (() => void) | undefined;
  #socket: WebSocket | undefined;
  #attempt = 0;
  #retryTimer: number | undefined;
  #countdown: number | undefined;
  #replaying = false;
  #rendered = 0;
  #disposed = false;
  #encoder = new TextEncoder();
  /** Cells asked for before the session attached; sent once the screen has arrived. */
  #queued: object[] = [];
  #attached = false;

  /** `onScreen` is called each time a restored screen has been written into the terminal. */
  constructor(terminal: Terminal, onStatus: (status: DockStatus) => void, onScreen?: () => void) {
    this.#terminal = terminal;
    this.#onStatus = onStatus;
    this.#onScreen = onScreen;
    terminal.onData((data) => this.#sendInput(data));
    terminal.onBinary((data) => this.#sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0))));
  }

  connect(): void {
    clearTimeout(this.#retryTimer);
    clearInterval(this.#countdown);
    this.#socket?.close();
    this.#onStatus({ text: t('lab.dock.connecting'), state: 'connecting' });
    const { url, protocols } = terminalTarget({
      session: 'main',
      cols: String(this.#terminal.cols),
      rows: String(this.#terminal.rows),
    });
    const socket = new WebSocket(url, protocols);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#rendered = 0;
    let opened = false;
    socket.addEventListener('open', () => (opened = true));
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') this.#onMessage(JSON.parse(event.data) as ServerMessage);
      else this.#onOutput(new Uint8Array(event.data));
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket || this.#disposed) return;
      this.#socket = undefined;
      this.#attached = false;
      if (event.code === CloseCode.takenOver) {
        this.#onStatus({ text: t('lab.dock.takenOver'), state: 'taken-over', takeBack: true });
        return;
      }
      if (event.code === CloseCode.sessionEnded)
        this.#terminal.writeln(`\r\n\x1b[2m${t('lab.dock.ended')}\x1b[0m`);
      if (!opened) {
        // Refused before it opened: a runner restarted with a new token refuses every retry.
        void probeRunner({ fresh: true }).then((state) => {
          if (state === 'unpaired')
            this.#onStatus({ text: t('lab.runner.unpaired'), state: 'error' });
          else this.#scheduleReconnect();
        });
        return;
      }
      this.#scheduleReconnect();
    });
  }

  run(
    request: { lab: string; cell: string } | { lab: string; script: 'prepare' | 'cleanup' },
  ): void {
    const message =
      'cell' in request ? { type: 'run', ...request } : { type: 'script', ...request };
    if (this.#attached) this.#send(message);
    else this.#queued.push(message);
    // In presenter mode the keys walk the page, so the page keeps the focus.
    if (document.documentElement.dataset.presenter !== 'on') this.#terminal.focus();
  }

  resize(cols: number, rows: number): void {
    this.#send({ type: 'resize', cols, rows });
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#countdown);
    this.#socket?.close();
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'screen') {
      this.#attempt = 0;
      this.#onStatus({ text: t('lab.dock.connected'), state: 'connected' });
      this.#replaying = true;
      this.#terminal.reset();
      if (message.lost) this.#terminal.write(`\x1b[2m${t('lab.dock.lostOutput')}\x1b[0m\r\n`);
      this.#terminal.write(message.data, () => {
        this.#replaying = false;
        this.#onScreen?.();
      });
      this.#attached = true;
      // The shell may have been sized by another page: give it this page's size.
      if (message.cols !== this.#terminal.cols || message.rows !== this.#terminal.rows) {
        this.resize(this.#terminal.cols, this.#terminal.rows);
      }
      for (const queued of this.#queued.splice(0)) this.#send(queued);
    } else if (message.type === 'error') {
      this.#onStatus({ text: errorText(message.code, message.message), state: 'error' });
    }
    bus.emit('message', message);
  }

  #onOutput(data: Uint8Array): void {
    this.#terminal.write(data, () => {
      this.#rendered += data.byteLength;
      if (this.#rendered >= FlowLimits.ackBytes) {
        this.#send({ type: 'ack', bytes: this.#rendered });
        this.#rendered = 0;
      }
    });
  }

  #sendInput(data: string | Uint8Array): void {
    // Keystrokes typed while a restored screen is replayed would land in the wrong place.
    if (this.#replaying || this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#socket.send(typeof data === 'string' ? this.#encoder.encode(data) : new Uint8Array(data));
  }

  #send(message: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #scheduleReconnect(): void {
    const delay = backoff[Math.min(this.#attempt, backoff.length - 1)] ?? 10_000;
    this.#attempt++;
    this.#rendered = 0;
    let left = Math.ceil(delay / 1000);
    const show = () =>
      this.#onStatus({
        text: t('lab.dock.reconnecting', { seconds: left }),
        state: 'reconnecting',
      });
    show();
    this.#countdown = window.setInterval(() => {
      left = Math.max(0, left - 1);
      show();
    }, 1000);
    this.#retryTimer = window.setTimeout(() => this.connect(), delay);
  }
}
