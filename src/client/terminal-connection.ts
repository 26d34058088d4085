import './zod-config.ts';
import type { IDisposable, Terminal } from '@xterm/xterm';
import { CloseCode } from '../lib/wire/error-codes.ts';
import { FlowLimits } from '../lib/wire/flow-limits.ts';
import {
  parseServerMessage,
  type ClientMessage,
  type RunTarget,
  type ServerMessage,
} from '../lib/wire/protocol.ts';
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

/** What the connection needs of an xterm.js terminal (the unit tests give it a fake one). */
export type ConnectionTerminal = Pick<
  Terminal,
  'onData' | 'onBinary' | 'write' | 'writeln' | 'reset' | 'focus' | 'cols' | 'rows'
>;

/** Visible rows being drawn: `then` is called once they are. */
interface Preview {
  drawn: boolean;
  then?: () => void;
}

/** Where a restored screen is shown (the dock); both optional. */
export interface ScreenView {
  /** Called each time a restored screen has been written into the terminal. */
  shown?(): void;
  /**
   * Shows a long screen's visible rows (`rows`, escape sequences) while the whole screen is
   * written into the terminal, and calls `drawn` once they are drawn; false if it cannot, and
   * then the whole screen is written at once.
   */
  preview?(rows: string, drawn: () => void): boolean;
}

/**
 * xterm's `onBinary` data as the bytes it stands for: a binary string, one character (code
 * 0–255) per byte, as xterm reports mouse positions past column 95 in the default encoding.
 */
export function binaryStringBytes(data: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * The page end of the terminal WebSocket (docs/runner-api.md): keystrokes out as binary frames,
 * output in as binary frames and rendered, control messages as JSON (each one parsed with the
 * shared schema; what does not parse is ignored). It acknowledges rendered bytes for the
 * runner's flow control, ignores input while a restored screen is replayed, and reconnects with
 * backoff unless another tab took the terminal.
 */
export class TerminalConnection {
  #terminal: ConnectionTerminal;
  #onStatus: (status: DockStatus) => void;
  #view: ScreenView;
  /** The terminal's listeners, released by `dispose()`. */
  #listeners: IDisposable[];
  #socket: WebSocket | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #countdown: ReturnType<typeof setInterval> | undefined;
  #replaying = false;
  /** Counts the screens received: a step of an older screen's replay that finds it changed stops. */
  #screens = 0;
  /**
   * Output that came while a screen's visible rows are being drawn, before the whole screen is
   * written: written after it, in order.
   */
  #held: Uint8Array[] | undefined;
  /** A long screen's visible rows, being drawn while the screen comes (see #showRows). */
  #preview: Preview | undefined;
  #rendered = 0;
  #disposed = false;
  #encoder = new TextEncoder();
  /** Runs asked for before the session attached; sent once the screen has arrived. */
  #queued: ClientMessage[] = [];
  #attached = false;

  constructor(
    terminal: ConnectionTerminal,
    onStatus: (status: DockStatus) => void,
    view: ScreenView = {},
  ) {
    this.#terminal = terminal;
    this.#onStatus = onStatus;
    this.#view = view;
    this.#listeners = [
      // Text the learner typed or pasted: UTF-8 on the wire.
      terminal.onData((data) => this.#sendInput(this.#encoder.encode(data))),
      // Bytes xterm made (some mouse reports): sent as the very bytes, never re-encoded.
      terminal.onBinary((data) => this.#sendInput(binaryStringBytes(data))),
    ];
  }

  connect(): void {
    if (this.#disposed) return;
    this.#clearTimers();
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
    this.#preview = undefined;
    this.#rendered = 0;
    let opened = false;
    socket.addEventListener('open', () => (opened = true));
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (this.#socket !== socket) return;
      if (typeof event.data !== 'string') {
        this.#onOutput(new Uint8Array(event.data));
        return;
      }
      // A runner from another version of the book may send what this page does not know:
      // parseServerMessage drops unknown fields, and ignores (and logs once) unknown types.
      const message = parseServerMessage(event.data);
      if (message) this.#onMessage(message);
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
          if (this.#disposed || this.#socket) return;
          if (state === 'unpaired')
            this.#onStatus({ text: t('lab.runner.unpaired'), state: 'error' });
          else this.#scheduleReconnect();
        });
        return;
      }
      this.#scheduleReconnect();
    });
  }

  /** Runs a cell or a lab's script in the terminal: now if the session is attached, else once it is. */
  run(target: RunTarget, options: { focus: boolean } = { focus: true }): void {
    const message: ClientMessage =
      'cell' in target
        ? { type: 'run', lab: target.lab, cell: target.cell }
        : { type: 'script', lab: target.lab, script: target.script };
    if (this.#attached) this.#send(message);
    else this.#queued.push(message);
    // In presenter mode the keys walk the page, so the page keeps the focus.
    if (options.focus && document.documentElement.dataset.presenter !== 'on')
      this.#terminal.focus();
  }

  resize(cols: number, rows: number): void {
    this.#send({ type: 'resize', cols, rows });
  }

  /** Closes the socket, stops reconnecting and releases the terminal's listeners; safe twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#clearTimers();
    for (const listener of this.#listeners.splice(0)) listener.dispose();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#attached = false;
    this.#queued = [];
    socket?.close();
  }

  #clearTimers(): void {
    clearTimeout(this.#retryTimer);
    clearInterval(this.#countdown);
    this.#retryTimer = undefined;
    this.#countdown = undefined;
  }

  #onMessage(message: ServerMessage): void {
    if (message.type === 'visible') {
      this.#showRows(message.data);
    } else if (message.type === 'screen') {
      this.#attempt = 0;
      this.#onStatus({ text: t('lab.dock.connected'), state: 'connected' });
      this.#replay(message.data, message.lost === true);
      this.#attached = true;
      // The shell may have been sized by another page: give it this page's size.
      if (message.cols !== this.#terminal.cols || message.rows !== this.#terminal.rows) {
        this.resize(this.#terminal.cols, this.#terminal.rows);
      }
      for (const queued of this.#queued.splice(0)) this.#send(queued);
    } else if (message.type === 'error' && message.lab === undefined) {
      // An error that answers a run names it, and its cell or the chapter tools show it.
      this.#onStatus({ text: errorText(message.code, message.message), state: 'error' });
    }
    bus.emit('message', message);
  }

  /**
   * A long screen's visible rows, sent right before it: a page builds a line of its terminal for
   * each line of scrollback, which in a page just loaded takes long enough that the learner would
   * wait for it (docs/performance.md). The view draws them, if it can, while the screen comes.
   */
  #showRows(rows: string): void {
    const preview: Preview = { drawn: false };
    this.#preview = preview;
    const shown = this.#view.preview?.(rows, () => {
      preview.drawn = true;
      preview.then?.();
    });
    if (shown !== true) this.#preview = undefined;
  }

  /**
   * Writes a restored screen into the terminal, once its visible rows are drawn if they came
   * first (see #showRows), and then the output that came meanwhile.
   */
  #replay(data: string, lost: boolean): void {
    const screen = ++this.#screens;
    const current = () => screen === this.#screens && !this.#disposed;
    this.#replaying = true;
    this.#terminal.reset();
    const held: Uint8Array[] = [];
    this.#held = held;
    const write = () => {
      if (!current() || this.#held !== held) return;
      this.#held = undefined;
      const before = lost ? `\x1b[2m${t('lab.dock.lostOutput')}\x1b[0m\r\n` : '';
      this.#terminal.write(before + data, () => {
        if (!current()) return;
        this.#replaying = false;
        this.#view.shown?.();
      });
      for (const output of held) this.#onOutput(output);
    };
    const preview = this.#preview;
    this.#preview = undefined;
    if (preview && !preview.drawn) preview.then = write;
    else write();
  }

  #onOutput(data: Uint8Array): void {
    if (this.#held) {
      this.#held.push(data);
      return;
    }
    this.#terminal.write(data, () => {
      this.#rendered += data.byteLength;
      if (this.#rendered >= FlowLimits.ackBytes) {
        this.#send({ type: 'ack', bytes: this.#rendered });
        this.#rendered = 0;
      }
    });
  }

  #sendInput(bytes: Uint8Array<ArrayBuffer>): void {
    // What the terminal emits while a restored screen is replayed (its answers to queries in the
    // old output, keys pressed meanwhile) would land in the shell out of place: dropped.
    if (this.#replaying || this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#socket.send(bytes);
  }

  #send(message: ClientMessage): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #scheduleReconnect(): void {
    if (this.#disposed) return;
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
    this.#countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      show();
    }, 1000);
    this.#retryTimer = setTimeout(() => this.connect(), delay);
  }
}
