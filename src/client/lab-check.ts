import { bus } from './bus.ts';
import { readProgress, requestCheck, type CheckVerdict } from './runner-link.ts';
import { showHint } from './hints.ts';
import { checkReason, t } from './strings.ts';

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
    const bar = this.querySelector<HTMLElement>('.lab-check-bar');
    const show = () => {
      if (button) button.hidden = bus.state !== 'connected';
      // A read-only page shows no empty bar: only the by-hand command.
      if (bar) bar.hidden = bus.state !== 'connected' && !this.dataset.state;
    };
    show();
    button?.addEventListener('click', () => void this.#run(lab, check, button), { signal });
    bus.on('state', show, { signal });
    // A page loaded after a check ran shows that check's latest verdict and when it was.
    const restore = () => {
      if (bus.state === 'connected') void this.#restoreVerdict(lab, check);
    };
    restore();
    bus.on('state', restore, { signal });
    bus.on(
      'message',
      (message) => {
        // Another tab's run of this check, or one that was polling when this page loaded: the
        // runner tells every page how it goes and, at its end, the whole verdict.
        if (
          message.type === 'check' &&
          message.lab === lab &&
          message.check === check &&
          !this.#running &&
          message.status
        ) {
          this.#show({
            ...message,
            status: message.status,
            reason: message.reason,
            output: undefined,
            ms: 0,
            attempts: message.attempt,
          });
          return;
        }
        if (
          message.type === 'check' &&
          message.lab === lab &&
          message.check === check &&
          !message.status
        ) {
          // Polling for a cause that can still change: say what the last attempt found.
          const last = message.why
            ? t(`lab.check.why.${message.why.code}`, message.why.params)
            : '';
          this.#verdict(
            'running',
            last
              ? t('lab.check.attemptBecause', { attempt: message.attempt, why: last })
              : t('lab.check.attempt', { attempt: message.attempt }),
          );
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
    this.#details(undefined);
    try {
      this.#show(await requestCheck(lab, check));
      this.#reveal();
    } finally {
      this.#running = false;
      button.disabled = false;
    }
  }

  /** A finished check's verdict, whichever tab asked for it. */
  #show(verdict: CheckVerdict): void {
    const said = t(`lab.check.${verdict.status}`);
    // A result the runner could not save is shown as such: the next start will not know of it.
    this.#verdict(
      verdict.status,
      verdict.saved === false
        ? t('lab.check.notSaved', { verdict: said, reason: verdict.saveError ?? '' })
        : said,
    );
    this.#details(verdict);
  }

  /**
   * Brings the verdict's last line (the hint, the cause or the reason) into sight after a run this
   * page asked for: it grows below the button, often under the dock. The page's
   * scroll-padding-bottom (src/styles/lab.css) keeps it above the dock.
   */
  #reveal(): void {
    const lines = [...this.querySelectorAll<HTMLElement>('.lab-check-bar, .lab-check-reason')];
    const hint = this.querySelector<HTMLElement>('.lab-check-hint');
    const cause = this.querySelector<HTMLElement>('.lab-check-cause');
    for (const line of [cause, hint]) if (line && !line.hidden) lines.push(line);
    lines
      .filter((line) => !line.hidden)
      .at(-1)
      ?.scrollIntoView({ block: 'nearest' });
  }

  async #restoreVerdict(lab: string, check: string): Promise<void> {
    let entry;
    try {
      entry = (await readProgress()).labs[lab]?.[check];
    } catch {
      // No progress to read: the check shows no verdict until it runs.
      return;
    }
    // A verdict of this page's own (a run meanwhile) is newer than the saved one.
    if (!entry || this.dataset.state) return;
    this.#verdict(
      entry.status,
      t('lab.check.lastRun', { verdict: t(`lab.check.${entry.status}`), time: when(entry.at) }),
    );
  }

  #verdict(state: string, text: string): void {
    const verdict = this.querySelector<HTMLElement>('.lab-check-verdict');
    if (!verdict) return;
    verdict.dataset.state = state;
    verdict.textContent = text;
    this.dataset.state = state;
    const bar = this.querySelector<HTMLElement>('.lab-check-bar');
    if (bar) bar.hidden = false;
  }

  /** The reason in the page's language, the line that says what went wrong, a hint, the output. */
  #details(verdict: CheckVerdict | undefined): void {
    const reasonLine = this.querySelector<HTMLElement>('.lab-check-reason');
    const causeLine = this.querySelector<HTMLElement>('.lab-check-cause');
    const outputBox = this.querySelector<HTMLDetailsElement>('.lab-check-output');
    if (reasonLine) {
      const reason = verdict ? checkReason(verdict) : '';
      reasonLine.hidden = !reason;
      reasonLine.textContent = reason ? `${t('lab.check.reason')} ${reason}` : '';
    }
    if (causeLine) {
      causeLine.hidden = !verdict?.cause;
      const code = causeLine.querySelector('code');
      if (code) code.textContent = verdict?.cause ?? '';
    }
    showHint(this.querySelector('.lab-check-hint'), verdict?.hint);
    if (outputBox) {
      outputBox.hidden = !verdict?.output;
      const pre = outputBox.querySelector('pre');
      if (pre) pre.textContent = verdict?.output ?? '';
    }
  }
}

/** When a check ran, in the page's language: the time today, the date and time before. */
function when(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const lang = document.documentElement.lang || 'en';
  const today = at.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(
    lang,
    today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(at);
}

customElements.define('lab-check', LabCheck);
