import { ErrorCode } from '../lib/wire/error-codes.ts';
import { bus } from './bus.ts';
import { copyCode } from './copy-code.ts';
import { showHint } from './hints.ts';
import { errorText, runText } from './strings.ts';

/**
 * `<lab-cell>`: upgrades the server-rendered cell. Copy always works; Run appears once a runner is
 * connected, and the state line follows the runner's `cell` messages for this cell, and the
 * `error` messages that answer its Run.
 */
class LabCell extends HTMLElement {
  /** Ends what this element listens to while it is in the page. */
  #connected: AbortController | undefined;
  /** What the state line said before the runner answered its Run with shell-busy. */
  #beforeBusy: { state: string; text: string } | undefined;

  connectedCallback(): void {
    this.#connected = new AbortController();
    const { signal } = this.#connected;
    const lab = this.dataset.lab ?? '';
    const cell = this.dataset.cell ?? '';
    const copy = this.querySelector<HTMLButtonElement>('[data-action="copy"]');
    const run = this.querySelector<HTMLButtonElement>('[data-action="run"]');
    copy?.addEventListener('click', () => void copyCode(copy), { signal });
    // A click from the keyboard (Enter, Space) has no pointer: detail is 0.
    run?.addEventListener(
      'click',
      (event) => bus.emit('run', { lab, cell, keepFocus: event.detail === 0 }),
      { signal },
    );
    const showRun = () => {
      if (run) run.hidden = bus.state !== 'connected';
      // "Not run yet" only where a cell can run: a read-only page has no state to show.
      const line = this.querySelector<HTMLElement>('.lab-cell-state');
      if (line) line.hidden = bus.state !== 'connected' && line.dataset.state === 'idle';
    };
    showRun();
    bus.on('state', showRun, { signal });
    bus.on(
      'message',
      (message) => {
        if (message.type === 'cell' && message.lab === lab && message.cell === cell) {
          const code = this.querySelector<HTMLElement>('.lab-cell-code')?.dataset.code;
          const { state, text } = runText(message, code);
          this.#beforeBusy = undefined;
          this.#setState(state, text);
          // A failure whose output shows a common cause says what to do about it.
          showHint(this.querySelector('.lab-cell-hint'), message.hint);
        } else if (message.type === 'error' && message.lab === lab && message.cell === cell) {
          // The runner names the run an error answers: shell busy, unknown cell, session ended.
          const line = this.querySelector<HTMLElement>('.lab-cell-state');
          if (message.code === ErrorCode.shellBusy && line)
            this.#beforeBusy ??= { state: line.dataset.state ?? 'idle', text: line.textContent };
          this.#setState('error', errorText(message.code, message.message));
        } else if (
          this.#beforeBusy &&
          (message.type === 'cell' || message.type === 'script') &&
          message.state !== 'running'
        ) {
          // What kept the shell busy has finished: "A command is still running" is no longer
          // true, and the line says again what it said before.
          this.#setState(this.#beforeBusy.state, this.#beforeBusy.text);
          this.#beforeBusy = undefined;
        }
      },
      { signal },
    );
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
  }

  #setState(state: string, text: string): void {
    const line = this.querySelector<HTMLElement>('.lab-cell-state');
    if (!line) return;
    line.dataset.state = state;
    line.textContent = text;
    line.hidden = false;
  }
}

customElements.define('lab-cell', LabCell);
