import { ErrorCode } from '../../src/lib/wire/error-codes.ts';
import { recognise } from '../../src/lib/wire/failure-reasons.ts';
import type { RunMessage, RunTarget } from '../../src/lib/wire/protocol.ts';
import type { Mark } from './shell-integration.ts';

/**
 * What the tracker asks its session to do, in order: paste a command into the shell, or tell
 * the page how a run goes. The session applies them; the tracker itself touches nothing.
 */
export type TrackerEffect =
  { kind: 'paste'; command: string } | { kind: 'message'; message: RunMessage };

/** `ended`: a command line ended and its prompt is not drawn yet. */
type ShellState = 'starting' | 'prompt' | 'running' | 'ended';

/** How much of a run's output is kept to recognise a common cause of its failure. */
const tailChars = 8192;

/** A step line as content/steps.sh prints it: `==> [2/4] istioctl <version>`. */
const stepLine = /==> \[(\d+)\/(\d+)\] ([^\r\n\x1b]{1,160})[\r\n]/g;

interface Run {
  target: RunTarget;
  /** For a script: the last step it announced in its output. */
  step?: string;
  /** For a script: its output's last line, until it is complete. */
  partial?: string;
  /** For a cell: the first of its commands that failed, if one did. */
  failure?: { command: string; exitCode: number };
  /** The end of what it printed, to recognise a common cause if it fails. */
  tail?: string;
  /** queued: waits for the first prompt; pasted: on the command line; running: it started. */
  phase: 'queued' | 'pasted' | 'running';
  startedAt: number;
  command: string;
}

/**
 * The state of one terminal's shell and of the cell (or script) run in it, driven only by the
 * shell-integration marks (prompt, start, end) and by requests to run; a pure state machine with
 * no pty, no timer and no socket, so that every path is unit-tested on its own
 * (tests/unit/runner/terminal/cell-tracker.test.ts).
 *
 * - Before the shell's first prompt, or between a command line's end and the next prompt, one run
 *   is queued and pasted at that prompt (a page may ask as soon as it is told a cell is done).
 * - At a prompt with nothing running, a run is pasted at once; otherwise it is refused as busy.
 * - A start mark after a paste means the command line started; the next end mark ends it `done`
 *   with its exit code and duration. A cell's first failed command (a `failed` mark in between)
 *   is told with its end, so that a cell is failed when any of its commands is.
 * - A prompt while a pasted line never started (Ctrl-C on the line), or while a run is running
 *   with no end mark (the shell was replaced: `exec zsh`), ends it `interrupted`.
 * - A shell that ends interrupts what runs.
 */
export class CellTracker {
  #shell: ShellState = 'starting';
  #run: Run | undefined;
  #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** What runs now (queued, pasted or running), for a page that attaches meanwhile. */
  get running(): RunTarget | undefined {
    return this.#run?.target;
  }

  /** Asks to run `command` for `target`: what to do now, or why it cannot run. */
  request(
    target: RunTarget,
    command: string,
  ): { ok: true; effects: TrackerEffect[] } | { ok: false; code: ErrorCode; message: string } {
    if ((this.#shell === 'starting' || this.#shell === 'ended') && !this.#run) {
      // The shell has not shown its (next) prompt yet: paste as soon as it does.
      this.#run = { target, phase: 'queued', startedAt: this.#now(), command };
      return { ok: true, effects: [this.#message(target, 'running')] };
    }
    if (this.#shell !== 'prompt' || this.#run) {
      return {
        ok: false,
        code: ErrorCode.shellBusy,
        message:
          'a command is still running in the terminal: wait for it to finish, or press Ctrl-C, then run the cell again',
      };
    }
    this.#run = { target, phase: 'pasted', startedAt: this.#now(), command };
    return { ok: true, effects: [this.#message(target, 'running'), { kind: 'paste', command }] };
  }

  /** A mark the shell printed: what it changes. */
  mark(mark: Mark): TrackerEffect[] {
    const run = this.#run;
    if (mark.kind === 'prompt') {
      this.#shell = 'prompt';
      if (!run) return [];
      if (run.phase === 'queued') {
        run.phase = 'pasted';
        return [{ kind: 'paste', command: run.command }];
      }
      // Running with no end mark: the shell was replaced or re-read its rc file. Pasted and
      // never started: the line was cancelled. Either way the run is over, its exit unknown.
      return [this.#finish(run, 'interrupted')];
    }
    if (mark.kind === 'start') {
      this.#shell = 'running';
      if (run?.phase === 'pasted') {
        run.phase = 'running';
        run.startedAt = this.#now();
      }
      return [];
    }
    if (mark.kind === 'failed') {
      // The first failure is the one to name: what fails after it often fails because of it.
      if (run?.phase === 'running' && 'cell' in run.target && !run.failure)
        run.failure = { command: mark.command.slice(0, 200), exitCode: mark.exitCode };
      return [];
    }
    // The end of a command line: only a run that started ends with it.
    this.#shell = 'ended';
    if (run?.phase === 'running') return [this.#finish(run, 'done', mark.exitCode)];
    return [];
  }

  /**
   * Output while something runs: its last few KiB are kept, to recognise a common cause of a
   * failure; a lab script's step lines (`==> [2/4] istioctl <version>`, as content/steps.sh
   * prints them) are remembered, the last one told with its end.
   */
  output(text: string): void {
    const run = this.#run;
    if (!run || run.phase !== 'running') return;
    run.tail = ((run.tail ?? '') + text).slice(-tailChars);
    if (!('script' in run.target)) return;
    // Whole lines only: a line split between two reads is read once it is complete.
    const lines = (run.partial ?? '') + text;
    const end = Math.max(lines.lastIndexOf('\n'), lines.lastIndexOf('\r'));
    run.partial = lines.slice(end + 1).slice(-200);
    for (const match of lines.slice(0, end + 1).matchAll(stepLine))
      run.step = `${match[1]}/${match[2]} ${match[3]?.trim() ?? ''}`;
  }

  /**
   * A chunk of the shell's output and the marks found in it, each with where it ends in the
   * chunk: the output between marks is read in its place (a script's steps come after its start
   * mark and before its end mark, often all in one chunk), and each mark applied in turn.
   */
  read(data: Buffer, marks: readonly { mark: Mark; end: number }[]): TrackerEffect[] {
    const effects: TrackerEffect[] = [];
    let from = 0;
    for (const { mark, end } of marks) {
      this.#runOutput(data, from, end);
      from = end;
      effects.push(...this.mark(mark));
    }
    this.#runOutput(data, from, data.length);
    return effects;
  }

  #runOutput(data: Buffer, from: number, to: number): void {
    if (to > from && this.#run?.phase === 'running') this.output(data.toString('utf8', from, to));
  }

  /** The shell has ended: what ran is interrupted. */
  end(): TrackerEffect[] {
    this.#shell = 'running';
    const run = this.#run;
    return run ? [this.#finish(run, 'interrupted')] : [];
  }

  #finish(run: Run, state: 'done' | 'interrupted', exitCode?: number): TrackerEffect {
    this.#run = undefined;
    const effect = this.#message(run.target, state);
    if (state === 'done' && exitCode !== undefined) {
      effect.message.exitCode = exitCode;
      effect.message.ms = Math.round(this.#now() - run.startedAt);
    }
    if (run.step && effect.message.type === 'script') effect.message.step = run.step;
    if (state === 'done' && run.failure && effect.message.type === 'cell')
      effect.message.failed = run.failure;
    if (state === 'done' && (exitCode !== 0 || run.failure)) {
      const hint = recognise(run.tail ?? '');
      if (hint) effect.message.hint = hint;
    }
    return effect;
  }

  #message(
    target: RunTarget,
    state: RunMessage['state'],
  ): { kind: 'message'; message: RunMessage } {
    const message: RunMessage =
      'cell' in target
        ? { type: 'cell', lab: target.lab, cell: target.cell, state }
        : { type: 'script', lab: target.lab, script: target.script, state };
    return { kind: 'message', message };
  }
}
