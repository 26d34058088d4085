import { randomBytes } from 'node:crypto';
import pty, { type IPty } from 'node-pty';
import { ErrorCode, errorMessage } from '../../src/lib/wire/error-codes.ts';
import type { RunTarget, ScreenMessage, ServerMessage } from '../../src/lib/wire/protocol.ts';
import { Lifecycle, LifeState } from '../lifecycle.ts';
import { log, type Logger } from '../log.ts';
import { killProcessSession } from '../process/group.ts';
import { quietCollector } from '../memory.js';
import type { ProcessLedger } from '../process/ledger.ts';
import { Screen, screens } from '../screen/host.ts';
import { CellTracker, type TrackerEffect } from './cell-tracker.ts';
import { withoutInherited } from '../process/descriptors.ts';
import { FlowLimits } from './flow-control.ts';
import { OutputBatch } from './output-batch.ts';
import { PageStream } from './page-stream.ts';
import { pasteCommand } from './paste.ts';
import { MarkParser } from './shell-integration.ts';
import type { ShellCommand } from './shell.ts';

/**
 * The terminal: what a page's docked terminal is on the runner's side. A session (this module) is
 * one named shell in a pty (shell.ts picks bash or zsh with the rc files in shell/), with its
 * output gathered into batches (output-batch.ts) for the kept screen (runner/screen/) and the page,
 * which it reaches through a page stream (page-stream.ts) that waits for the page's window
 * (flow-control.ts) and skips what the page's scrollback would lose when the page is behind. The
 * shell's marks (shell-integration.ts) drive a pure cell tracker (cell-tracker.ts) that says when a
 * pasted command (paste.ts) starts and how it ends. sessions.ts names and limits the sessions;
 * socket.ts is the WebSocket between a session and its page, and the only way anything is sent to a
 * page.
 */

/** Knobs of a terminal session, named where they are defined. */
export const SessionLimits = {
  /** Lines of scrollback kept to restore the screen after a reload: as many as the page keeps. */
  scrollback: FlowLimits.scrollback,
  /** A session with no page attached ends after this long. */
  idleMs: 15 * 60_000,
  /** After SIGHUP, how long the shell has to end before it and its group are killed. */
  killGraceMs: 1_000,
  /**
   * After the shell exits, output it wrote last may still be on its way from the pty: the
   * session waits this long after the last of it (and at most `exitFlushMaxMs` in all) before
   * it sends what came and ends, so a shell's last words always reach the page.
   */
  exitFlushMs: 50,
  exitFlushMaxMs: 500,
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
  /** Where the shell's process session is recorded while it lives (a sweep after a crash). */
  ledger?: ProcessLedger;
  onEnd: (session: TerminalSession) => void;
  /** Starts the pty: node-pty's own, unless a test replays recorded output through a fake one. */
  spawn?: typeof pty.spawn;
}

/** One for the process: the main thread's heap is collected once every session's output stops. */
let afterFloods: ReturnType<typeof quietCollector> | undefined;

/** Why the pty is paused: too much waiting for a page, a screen behind on parsing, an attach. */
type PauseReason = 'page' | 'screen' | 'attach';

/**
 * One named terminal: a shell in a pty, its kept screen for reloads (runner/screen/host.ts), its
 * output gathered into batches (output-batch.ts), and the cell tracker (cell-tracker.ts) that the
 * shell's marks drive. At most one page is attached; a new one takes over. The session outlives
 * pages until it is idle too long.
 */
export class TerminalSession {
  readonly name: string;
  /** Settles when the shell has exited and what was left of its session has been killed. */
  readonly exited: Promise<void>;
  /**
   * Starting while the pty is spawned, running while the shell runs, ending from the shell's exit
   * until its last output is read, ended once the pages were told and everything it held let go.
   */
  #life = new Lifecycle();
  #log: Logger;
  #pty: IPty;
  #screen: Screen;
  #marks: MarkParser;
  #tracker = new CellTracker();
  #client: SessionClient | undefined;
  /** A page whose screen is being prepared; it becomes #client when that is sent. */
  #attaching: SessionClient | undefined;
  #pauses = new Set<PauseReason>();
  /** Output on its way to the attached page. */
  #stream: PageStream | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleMs: number;
  /** Output read from the pty and not yet written to the screen and the page. */
  #batch: OutputBatch;
  #onEnd: (session: TerminalSession) => void;

  constructor(options: SessionOptions) {
    this.name = options.name;
    this.#log = log.child({ session: options.name });
    this.#idleMs = options.idleMs ?? SessionLimits.idleMs;
    this.#onEnd = options.onEnd;
    const nonce = randomBytes(12).toString('hex');
    this.#marks = new MarkParser(nonce);
    this.#screen = new Screen(
      { cols: options.cols, rows: options.rows, scrollback: SessionLimits.scrollback },
      { pause: () => this.#pause('screen'), resume: () => this.#resume('screen') },
      screens,
      this.#log,
    );
    this.#batch = new OutputBatch((data) => this.#deliver(data));
    // What the session holds, let go when it ends (the last registered first), or at once when
    // its shell cannot be started.
    const { store } = this.#life;
    store.add(this.#screen);
    store.add(this.#batch);
    store.add(() => clearTimeout(this.#idleTimer));
    const { env } = options.shell;
    // The shell starts with no descriptor of the runner's but its own pty (descriptors.ts).
    const { file, args } = withoutInherited(options.shell.file, options.shell.args);
    try {
      this.#pty = (options.spawn ?? pty.spawn)(file, args, {
        name: 'xterm-256color',
        cols: options.cols,
        rows: options.rows,
        cwd: options.cwd,
        env: { ...options.env, ...env, ISTIO_LAB_NONCE: nonce },
        encoding: null,
      });
    } catch (error) {
      this.#life.advance(LifeState.ended);
      throw error;
    }
    let lastOutput = performance.now();
    store.add(
      this.#pty.onData((data) => {
        lastOutput = performance.now();
        this.#output(data as unknown as Buffer);
      }),
    );
    const shell = this.#pty.pid;
    // A shell the ledger cannot record is killed at once (process-ledger.ts), and says why.
    const refused = options.ledger?.add(shell, 'terminal');
    this.exited = new Promise((resolve) => {
      this.#pty.onExit(() => {
        // Whatever the shell left running in its session goes with it: nothing outlives a terminal.
        killProcessSession(shell);
        options.ledger?.remove(shell);
        this.#life.advance(LifeState.ending);
        // The shell's last output can arrive after its exit is seen: wait for it to stop coming
        // (as VS Code does), so that the page gets every byte before it is told the shell ended.
        const exitedAt = performance.now();
        const settle = () => {
          const now = performance.now();
          const quiet = now - lastOutput >= SessionLimits.exitFlushMs;
          if (
            this.#life.reached(LifeState.ended) ||
            quiet ||
            now - exitedAt >= SessionLimits.exitFlushMaxMs
          ) {
            resolve();
            // A close reason holds 123 bytes: the ledger's path would not fit.
            this.#end(
              refused === undefined
                ? 'the shell exited'
                : 'the shell was stopped: the runner could not record it in its process ledger',
            );
          } else setTimeout(settle, SessionLimits.exitFlushMs);
        };
        setTimeout(settle, SessionLimits.exitFlushMs);
      });
    });
    this.#life.advance(LifeState.running);
    this.#log.debug('session started', { pid: shell });
    this.#startIdleTimer();
  }

  get pid(): number {
    return this.#pty.pid;
  }

  /** Where the session is in its lifecycle (runner/lifecycle.ts). */
  get state(): LifeState {
    return this.#life.state;
  }

  get ended(): boolean {
    return this.#life.state === LifeState.ended;
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
    this.#batch.flush();
    this.#attaching = client;
    this.#dropStream();
    clearTimeout(this.#idleTimer);
    this.#pause('attach');
    try {
      if (size) this.resize(size.cols, size.rows);
      // What the skip engine knows at the end of the output the screen is serialized with.
      const scanned = this.#screen.scanState();
      const { data, visible } = await this.#screen.serialize();
      if (this.#attaching !== client) return;
      if (this.ended) {
        client.close(4002, 'the shell exited');
        return;
      }
      const message: ScreenMessage = {
        type: 'screen',
        data,
        cols: this.#screen.cols,
        rows: this.#screen.rows,
      };
      const running = this.#tracker.running;
      if (running) message.running = { ...running };
      if (this.#screen.lost) message.lost = true;
      if (visible !== undefined) client.sendMessage({ type: 'visible', data: visible });
      client.sendMessage(message);
      this.#client = client;
      this.#log.debug('page attached', { cols: this.#screen.cols, rows: this.#screen.rows });
      this.#stream = new PageStream(
        client,
        { hold: () => this.#pause('page'), release: () => this.#resume('page') },
        { scrollback: FlowLimits.scrollback, rows: this.#screen.rows },
        { from: scanned, log: this.#log },
      );
    } finally {
      if (this.#attaching === client) {
        this.#attaching = undefined;
        this.#resume('attach');
      }
    }
  }

  detach(client: SessionClient): void {
    if (this.#attaching === client) {
      this.#attaching = undefined;
      this.#resume('attach');
      this.#startIdleTimer();
      return;
    }
    if (this.#client !== client) return;
    this.#log.debug('page detached');
    this.#batch.flush();
    this.#client = undefined;
    this.#dropStream();
    this.#startIdleTimer();
    // Most often the page reloads or opens the next chapter: the screen is serialized while it
    // loads (unless that was done when the output went quiet), so that its attach finds it ready.
    this.#screen.prepare();
  }

  /**
   * Keystrokes from the page, as bytes: written to the pty as they are, never decoded, so that
   * xterm's binary input (bytes of 0x80 and above, as a mouse report or a Meta key sends) and
   * a UTF-8 sequence split across frames both arrive intact.
   */
  input(data: Uint8Array | string): void {
    if (this.#life.reached(LifeState.ending)) return;
    this.#stream?.typed();
    this.#pty.write(
      typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  resize(cols: number, rows: number): void {
    if (this.#life.reached(LifeState.ending)) return;
    this.#pty.resize(cols, rows);
    this.#screen.resize(cols, rows);
    this.#stream?.resize(rows);
  }

  acknowledge(bytes: number): void {
    this.#stream?.acknowledged(bytes);
  }

  /**
   * Pastes a cell's command (or a lab script) if the shell is at its prompt, or queues it behind
   * the shell's first prompt; otherwise says why not.
   */
  run(
    target: RunTarget,
    command: string,
  ): { ok: true } | { ok: false; code: ErrorCode; message: string } {
    if (this.#life.reached(LifeState.ending))
      return {
        ok: false,
        code: ErrorCode.sessionEnded,
        message: 'the terminal has ended; reload the page for a new one',
      };
    const asked = this.#tracker.request(target, command);
    if (!asked.ok) return asked;
    this.#apply(asked.effects);
    return { ok: true };
  }

  /** Ends the shell: SIGHUP as a closing terminal would, then SIGKILL for what is left of its group. */
  dispose(reason = 'the session was closed'): Promise<void> {
    if (this.ended) return this.exited;
    const pid = this.#pty.pid;
    try {
      this.#pty.kill('SIGHUP');
    } catch {
      // Already gone: nothing to hang up.
    }
    // SIGHUP lets the shell end its jobs as a closed terminal would; a shell that ignores it is
    // killed with its whole session after the grace period (on exit the session is killed anyway).
    setTimeout(() => killProcessSession(pid), SessionLimits.killGraceMs).unref();
    this.#end(reason);
    return this.exited;
  }

  #output(data: Buffer): void {
    const marks = this.#marks.feedAt(data);
    this.#batch.push(data);
    // What a mark causes (a cell's end) is applied after the output that carried the mark.
    if (marks.length > 0) this.#batch.flush();
    this.#apply(this.#tracker.read(data, marks));
  }

  /** A batch of output: into the kept screen, and to the page. */
  #deliver(data: Buffer): void {
    (afterFloods ??= quietCollector()).streamed(data.length);
    this.#screen.write(data);
    this.#stream?.write(data);
  }

  #apply(effects: readonly TrackerEffect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'paste') this.#pty.write(pasteCommand(effect.command));
      else this.#sendMessage(effect.message);
    }
  }

  /** Sends a message to the page after the output that came before it. */
  #sendMessage(message: ServerMessage): void {
    this.#batch.flush();
    this.#stream?.message(message);
  }

  /** The page is gone or replaced: what waited for it is dropped (the kept screen has it all). */
  #dropStream(): void {
    this.#stream?.reset();
    this.#stream = undefined;
  }

  #pause(reason: PauseReason): void {
    if (this.#pauses.has(reason)) return;
    if (this.#pauses.size === 0 && !this.ended) {
      this.#pty.pause();
      this.#log.trace('pty paused', { reason });
    }
    this.#pauses.add(reason);
  }

  #resume(reason: PauseReason): void {
    if (!this.#pauses.delete(reason)) return;
    if (this.#pauses.size === 0 && !this.ended) {
      this.#pty.resume();
      this.#log.trace('pty resumed', { reason });
    }
  }

  #startIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    // An ended session keeps no timer: a page that leaves as it ends must not start one.
    if (this.ended) return;
    this.#idleTimer = setTimeout(
      () => void this.dispose('the terminal was idle with no page attached'),
      this.#idleMs,
    );
    this.#idleTimer.unref();
  }

  /**
   * Ends the session once, whichever comes first: the shell's exit once its last output is read,
   * `dispose()`, or the idle timer. The pages hear why after they have every byte.
   */
  #end(reason: string): void {
    if (this.ended) return;
    // Everything the shell wrote reaches the screen and the page before they hear it ended.
    this.#batch.flush();
    this.#apply(this.#tracker.end());
    this.#stream?.flush();
    this.#stream = undefined;
    const pages = [this.#client, this.#attaching];
    this.#client = undefined;
    this.#attaching = undefined;
    try {
      this.#life.advance(LifeState.ended);
    } catch (error) {
      // Every part was let go that could be; one that could not must not keep the pages waiting.
      this.#log.error(`runner: terminal ${this.name} did not end cleanly: ${errorMessage(error)}`);
    }
    this.#log.debug('session ended', { reason });
    for (const page of pages) page?.close(4002, reason);
    this.#onEnd(this);
  }
}
