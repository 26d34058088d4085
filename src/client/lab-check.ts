import { bus } from './bus.ts';
import { requestCheck } from './runner-link.ts';
import { t } from './strings.ts';

/**
 * `<lab-check>`: "Check my step" asks the runner to run the check by id, shows the attempt count
 * while it polls, then the verdict, the reason and the tail of the output. Without a runner the
 * button stays hidden and the by-hand command (server-rendered) is what the reader gets.
 */
class LabCheck extends HTMLElement {
  /** Ends what this element listens to while it is in the page. */
  #connected: AbortController | undefined;
  #running = false;

  connectedCallback(): void {
    this.#connected = new AbortController();
    const { signal } = this.#connected;
    const lab = this.dataset.lab ?? '';
    const check = this.dataset.check ?? '';
    const button = this.querySelector<HTMLButtonElement>('[data-action="check"]');
    const show = () => {
      if (button) button.hidden = bus.state !== 'connected';
    };
    show();
    button?.addEventListener('click', () => void this.#run(lab, check, button), { signal });
    bus.on('state', show, { signal });
    bus.on(
      'message',
      (message) => {
        if (
          message.type === 'check' &&
          message.lab === lab &&
          message.check === check &&
          this.#running &&
          !message.status
        ) {
          this.#verdict('running', t('lab.check.attempt', { attempt: message.attempt }));
        }
        // A check written with `after: <cell>` runs by itself when that cell exits 0 with none
        // of its commands failed.
        const after = this.dataset.after;
        if (
          after &&
          message.type === 'cell' &&
          message.lab === lab &&
          message.cell === after &&
          message.state === 'done' &&
          message.exitCode === 0 &&
          !message.failed &&
          !this.#running &&
          button
        ) {
          void this.#run(lab, check, button);
        }
      },
      { signal },
    );
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
  }

  async #run(lab: string, check: string, button: HTMLButtonElement): Promise<void> {
    this.#running = true;
    button.disabled = true;
    this.#verdict('running', t('lab.check.running'));
    this.#details(undefined, undefined);
    try {
      const verdict = await requestCheck(lab, check);
      this.#verdict(verdict.status, t(`lab.check.${verdict.status}`));
      this.#details(verdict.reason, verdict.output);
    } finally {
      this.#running = false;
      button.disabled = false;
    }
  }

  #verdict(state: string, text: string): void {
    const verdict = this.querySelector<HTMLElement>('.lab-check-verdict');
    if (!verdict) return;
    verdict.dataset.state = state;
    verdict.textContent = text;
    this.dataset.state = state;
  }

  #details(reason: string | undefined, output: string | undefined): void {
    const reasonLine = this.querySelector<HTMLElement>('.lab-check-reason');
    const outputBox = this.querySelector<HTMLDetailsElement>('.lab-check-output');
    if (reasonLine) {
      reasonLine.hidden = !reason;
      reasonLine.textContent = reason ? `${t('lab.check.reason')} ${reason}` : '';
    }
    if (outputBox) {
      outputBox.hidden = !output;
      const pre = outputBox.querySelector('pre');
      if (pre) pre.textContent = output ?? '';
    }
  }
}

customElements.define('lab-check', LabCheck);
