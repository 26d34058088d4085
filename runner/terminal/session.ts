import { randomBytes } from 'node:crypto';
import pty, { type IPty } from 'node-pty';
import { ErrorCode } from '../../src/lib/error-codes.ts';
import type { RunningCell, ServerMessage } from '../../src/lib/protocol.ts';
import { FlowControl } from './flow-control.ts';
import { killSession } from '../checks/process-group.ts';
import { MarkParser, type Mark } from './shell-integration.ts';
import { pasteCommand } from './paste.ts';
import { Screen } from '../screen/host.ts';
import type { ShellCommand } from './shell.ts';

/** Knobs of a terminal session, named where they are defined. */
export const SessionLimits = {
  /** Lines of scrollback kept for restoring the screen after a reload. */
  scrollback: 10_000,
  /** A session with no page attached ends after this long. */
  idleMs: 15 * 60_000,
  /** After SIGHUP, how long the shell has to end before it and its group are killed. */
  killGraceMs: 1_000,
  /**
   * Output is sent to the page in batches of up to this many bytes. The pty hands output over
   * 4 KiB at a time, one read per event-loop turn; a frame and an xterm write per read is what
   * held a flood back (docs/performance.md).
   */
  batchBytes: 64 << 10,
  /**
   * Output that follows other output within this long is held for up to as long again, to
   * gather a batch. Output after a quiet spell (a keystroke's echo) goes out at once.
   */
  batchWindowMs: 2,
} as const;

/** The page end of a session, as the WebSocket layer provides it. */
export interface SessionClient {
  sendBytes(data: Uint8Array): void;
  sendMessage(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface SessionOptions {
  name: string;
  /** The shell to start (runner/terminal/shell.ts chooses it). */
  shell: ShellCommand;
  env: NodeJS.ProcessEnv;
  cwd: string;
  cols: number;
  rows: number;
  idleMs?: number;
  onEnd: (session: TerminalSession) => void;
}

type ShellState = 'starting' | 'prompt' | 'running';
interface CellRun extends RunningCell {
  phase: 'queued' | 'pasted' | 'running';
  startedAt: number;
  command?: string;
}

/**
 * One named terminal: a bash in a pty, a kept screen for reloads (runner/screen/host.ts), and the
 * shell-integration state that tells when a cell's command starts and how it ends. At most one
 * page is attached; a new one takes over. The session outlives pages until it is idle too long.
 */
export class TerminalSession {
  readonly name: string;
  /** Settles when the shell has exited and what was left of its session has been killed. */
  readonly exited: Promise<void>;
  #pty: IPty;
  #screen: Screen;
  #marks: MarkParser;
  #shell: ShellState = 'starting';
  #cell: CellRun | undefined;
  #client: SessionClient | undefined;
  /** A page whose screen is being prepared; it becomes #client when that is sent. */
  #attaching: SessionClient | undefined;
  #holds = new Set<'page' | 'screen' | 'attach'>();
  #pageFlow: FlowControl;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleMs: number;
  #ended = false;
  /** Output read from the pty and not yet written to the screen and the page (see batchBytes). */
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #cancelFlush: (() => void) | undefined;
  #lastFlush = 0;
  #onEnd: (session: TerminalSession) => void;

  constructor(options: SessionOptions) {
    this.name = options.name;
    this.#idleMs = options.idleMs ?? SessionLimits.idleMs;
    this.#onEnd = options.onEnd;
    const nonce = randomBytes(12).toString('hex');
    this.#marks = new MarkParser(nonce);
    this.#screen = new Screen(
      { cols: options.cols, rows: options.rows, scrollback: SessionLimits.scrollback },
      { hold: () => this.#hold('screen'), release: () => this.#release('screen') },
    );
    this.#pageFlow = new FlowControl(
      () => this.#hold('page'),
      () => this.#release('page'),
    );
    const { file, args, env } = options.shell;
    this.#pty = pty.spawn(file, args, {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: { ...options.env, ...env, ISTIO_LAB_NONCE: nonce },
      encoding: null,
    });
    this.#pty.onData((data) => this.#output(data as unknown as Buffer));
    const shell = this.#pty.pid;
    this.exited = new Promise((resolve) => {
      this.#pty.onExit(() => {
        // Whatever the shell left running in its session goes with it: nothing outlives a terminal.
        killSession(shell);
        resolve();
        this.#end('the shell exited');
      });
    });
    this.#startIdleTimer();
  }

  get pid(): number {
    return this.#pty.pid;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Attaches a page: sizes the screen first, then replays it, then streams live output. The pty
   * is held while the screen is serialized, so nothing is lost or sent twice. A page that attaches
   * meanwhile supersedes this one; a page that leaves meanwhile is simply dropped.
   */
  async attach(client: SessionClient, size?: { cols: number; rows: number }): Promise<void> {
    for (const old of [this.#client, this.#attaching])
      old?.close(4001, 'this terminal was opened in another page');
    this.#client = undefined;
    // Output read before this point belongs in the screen that is about to be serialized.
    this.#flush();
    this.#attaching = client;
    this.#pageFlow.reset();
    clearTimeout(this.#idleTimer);
    this.#hold('attach');
    try {
      if (size) this.resize(size.cols, size.rows);
      const data = await this.#screen.serialize();
      if (this.#attaching !== client) return;
      if (this.#ended) {
        client.close(4002, 'the shell exited');
        return;
      }
      const message: ServerMessage = {
        type: 'screen',
        data,
        cols: this.#screen.cols,
        rows: this.#screen.rows,
      };
      if (this.#cell) message.cell = { lab: this.#cell.lab, cell: this.#cell.cell };
      if (this.#screen.lost) message.lost = true;
      client.sendMessage(message);
      this.#client = client;
    } finally {
      if (this.#attaching === client) {
        this.#attaching = undefined;
        this.#release('attach');
      }
    }
  }

  detach(client: SessionClient): void {
    if (this.#attaching === client) {
      this.#attaching = undefined;
      this.#release('attach');
      this.#startIdleTimer();
      return;
    }
    if (this.#client !== client) return;
    this.#flush();
    this.#client = undefined;
    this.#pageFlow.reset();
    this.#startIdleTimer();
    // Most often the page reloads or opens the next chapter: the screen is serialized while it
    // loads (unless that was done when the output went quiet), so that its attach finds it ready.
    this.#screen.prepare();
  }

  /** Keystrokes from the page. */
  input(data: Uint8Array | string): void {
    if (!this.#ended)
      this.#pty.write(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  }

  resize(cols: number, rows: number): void {
    if (this.#ended) return;
    this.#pty.resize(cols, rows);
    this.#screen.resize(cols, rows);
  }

  acknowledge(bytes: number): void {
    this.#pageFlow.acknowledged(bytes);
  }

  /** Pastes a cell's command if the shell is at its prompt; otherwise says why not. */
  runCell(
    lab: string,
    cell: string,
    command: string,
  ): { ok: true } | { ok: false; code: string; message: string } {
    if (this.#ended)
      return {
        ok: false,
        code: ErrorCode.sessionEnded,
        message: 'the terminal has ended; reload the page for a new one',
      };
    if (this.#shell === 'starting' && !this.#cell) {
      // The shell has not shown its first prompt yet: paste as soon as it does.
      this.#cell = { lab, cell, phase: 'queued', startedAt: performance.now(), command };
      this.#sendMessage({ type: 'cell', lab, cell, state: 'running' });
      return { ok: true };
    }
    if (this.#shell !== 'prompt' || this.#cell) {
      return {
        ok: false,
        code: ErrorCode.shellBusy,
        message:
          'a command is still running in the terminal: wait for it to finish, or press Ctrl-C, then run the cell again',
      };
    }
    this.#cell = { lab, cell, phase: 'pasted', startedAt: performance.now() };
    this.#sendMessage({ type: 'cell', lab, cell, state: 'running' });
    this.#pty.write(pasteCommand(command));
    return { ok: true };
  }

  /** Ends the shell: SIGHUP as a closing terminal would, then SIGKILL for what is left of its group. */
  dispose(reason = 'the session was closed'): Promise<void> {
    if (this.#ended) return this.exited;
    const pid = this.#pty.pid;
    try {
      this.#pty.kill('SIGHUP');
    } catch {
      // Already gone: nothing to hang up.
    }
    // SIGHUP lets the shell end its jobs as a closed terminal would; a shell that ignores it is
    // killed with its whole session after the grace period (on exit the session is killed anyway).
    setTimeout(() => killSession(pid), SessionLimits.killGraceMs).unref();
    this.#end(reason);
    return this.exited;
  }

  #output(data: Buffer): void {
    const marks = this.#marks.feed(data);
    this.#batch.push(data);
    this.#batchBytes += data.length;
    if (marks.length > 0 || this.#batchBytes >= SessionLimits.batchBytes) {
      // A message that a mark causes (a cell's end) follows the output that carried the mark.
      this.#flush();
      for (const mark of marks) this.#onMark(mark);
    } else if (!this.#cancelFlush) {
      if (performance.now() - this.#lastFlush < SessionLimits.batchWindowMs) {
        const timer = setTimeout(() => this.#flush(), SessionLimits.batchWindowMs);
        this.#cancelFlush = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(() => this.#flush());
        this.#cancelFlush = () => clearImmediate(immediate);
      }
    }
  }

  /** Writes the gathered output to the screen and sends it to the page, as one chunk. */
  #flush(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = undefined;
    if (this.#batchBytes === 0 || this.#ended) return;
    const data = this.#batch.length === 1 ? this.#batch[0] : Buffer.concat(this.#batch);
    this.#batch = [];
    this.#batchBytes = 0;
    this.#lastFlush = performance.now();
    if (!data) return;
    this.#screen.write(data);
    if (this.#client) {
      this.#pageFlow.sent(data.length);
      this.#client.sendBytes(data);
    }
  }

  /** Sends a message to the page after the output that came before it. */
  #sendMessage(message: ServerMessage): void {
    this.#flush();
    this.#client?.sendMessage(message);
  }

  #onMark(mark: Mark): void {
    const cell = this.#cell;
    if (mark.kind === 'prompt') {
      this.#shell = 'prompt';
      // A new prompt while a cell runs, with no end mark: the shell was replaced or its rc file
      // re-read (exec zsh, source ~/.bashrc). The cell is over; its exit code is unknown.
      if (cell?.phase === 'running') {
        this.#finishCell(cell, 'interrupted');
        return;
      }
      if (cell?.phase === 'queued') {
        cell.phase = 'pasted';
        this.#pty.write(pasteCommand(cell.command ?? ''));
        return;
      }
      // A prompt while the cell was pasted but never started: the line was cancelled (Ctrl-C).
      if (cell?.phase === 'pasted') this.#finishCell(cell, 'interrupted');
    } else if (mark.kind === 'start') {
      this.#shell = 'running';
      if (cell?.phase === 'pasted') {
        cell.phase = 'running';
        cell.startedAt = performance.now();
      }
    } else if (cell?.phase === 'running') {
      this.#finishCell(cell, 'done', mark.exitCode);
    }
  }

  #finishCell(cell: CellRun, state: 'done' | 'interrupted', exitCode?: number): void {
    this.#cell = undefined;
    const message: ServerMessage = { type: 'cell', lab: cell.lab, cell: cell.cell, state };
    if (exitCode !== undefined) {
      message.exitCode = exitCode;
      message.ms = Math.round(performance.now() - cell.startedAt);
    }
    this.#sendMessage(message);
  }

  #hold(reason: 'page' | 'screen' | 'attach'): void {
    if (this.#holds.size === 0 && !this.#ended) this.#pty.pause();
    this.#holds.add(reason);
  }

  #release(reason: 'page' | 'screen' | 'attach'): void {
    if (!this.#holds.delete(reason)) return;
    if (this.#holds.size === 0 && !this.#ended) this.#pty.resume();
  }

  #startIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(
      () => void this.dispose('the terminal was idle with no page attached'),
      this.#idleMs,
    );
    this.#idleTimer.unref();
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idleTimer);
    if (this.#cell) this.#finishCell(this.#cell, 'interrupted');
    this.#client?.close(4002, reason);
    this.#attaching?.close(4002, reason);
    this.#client = undefined;
    this.#attaching = undefined;
    this.#screen.dispose();
    this.#onEnd(this);
  }
}
