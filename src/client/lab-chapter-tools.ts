import { bus } from './bus.ts';
import { requestCheck } from './runner-link.ts';
import { showHint } from './hints.ts';
import { checkReason, duration, errorText, runText, t } from './strings.ts';

/**
 * `<lab-chapter-tools>`: "Catch up" runs the chapter's prepare in the terminal, where the learner
 * sees each step, then the chapter's readiness checks (its lab's `ready:`) one by one, each with
 * its verdict; "Reset chapter" first shows what its cleanup will run and asks. The time the last
 * catch-up took, prepare and checks together, is remembered in this browser and shown.
 */
class LabChapterTools extends HTMLElement {
  /** Ends what this element listens to while it is in the page. */
  #connected: AbortController | undefined;

  connectedCallback(): void {
    this.#connected = new AbortController();
    const { signal } = this.#connected;
    const lab = this.dataset.lab ?? '';
    const state = this.querySelector<HTMLElement>('.lab-chapter-state');
    const remembered = `istio-lab.catch-up.${lab}`;
    const show = (text: string, kind = '') => {
      if (!state) return;
      state.textContent = text;
      state.dataset.state = kind;
    };
    const last = Number(localStorage.getItem(remembered));
    if (last > 0) show(t('lab.chapter.lastTook', { duration: duration(last) }));
    const toggle = () => (this.hidden = bus.state !== 'connected');
    toggle();
    this.querySelector<HTMLButtonElement>('[data-action="prepare"]')?.addEventListener(
      'click',
      // A click from the keyboard (Enter, Space) has no pointer: detail is 0.
      (event) => bus.emit('run', { lab, script: 'prepare', keepFocus: event.detail === 0 }),
      { signal },
    );
    const dialog = this.querySelector<HTMLDialogElement>('dialog');
    this.querySelector('[data-action="cleanup"]')?.addEventListener(
      'click',
      () => dialog?.showModal(),
      { signal },
    );
    if (dialog) keepFocusIn(dialog, signal);
    dialog?.addEventListener(
      'close',
      () => {
        // The focus goes back to Reset chapter, as a closed dialog's does.
        if (dialog.returnValue === 'confirm')
          bus.emit('run', { lab, script: 'cleanup', keepFocus: true });
      },
      { signal },
    );
    bus.on('state', toggle, { signal });
    bus.on(
      'message',
      (message) => {
        if (message.type === 'error' && message.lab === lab && message.script) {
          show(errorText(message.code, message.message), 'failed');
          return;
        }
        if (message.type !== 'script' || message.lab !== lab) return;
        const { state, text } = runText(message);
        showHint(this.querySelector('.lab-chapter-hint'), message.hint);
        if (state === 'failed' && message.step)
          // Where it stopped: the step the shared steps announced last (`2/4 istioctl <version>`).
          show(
            t('lab.chapter.failedAt', { step: message.step, code: message.exitCode ?? '?' }),
            'failed',
          );
        else show(text, state === 'interrupted' ? 'failed' : state);
        if (state === 'ok' && message.script === 'prepare')
          void this.#checkReady(lab, message.ms ?? 0, show).then((total) => {
            if (total !== undefined) localStorage.setItem(remembered, String(total));
          });
      },
      { signal },
    );
  }

  /**
   * Runs the readiness checks in order, each shown with its verdict; the first failure stops the
   * rest (they build on each other) and says which check to look at. Resolves with the whole
   * catch-up's time when every check passed.
   */
  async #checkReady(
    lab: string,
    prepareMs: number,
    show: (text: string, kind?: string) => void,
  ): Promise<number | undefined> {
    const refs = JSON.parse(this.dataset.ready ?? '[]') as string[];
    const list = this.querySelector<HTMLOListElement>('.lab-ready');
    if (refs.length === 0 || !list) return prepareMs;
    const started = performance.now();
    list.replaceChildren();
    list.hidden = false;
    show(t('lab.chapter.readyChecking'), 'running');
    for (const ref of refs) {
      const [other = lab, check = ''] = ref.split('/');
      const item = document.createElement('li');
      const name = document.createElement('code');
      name.textContent = ref;
      const verdict = document.createElement('span');
      verdict.className = 'lab-ready-verdict';
      verdict.textContent = t('lab.check.running');
      item.append(name, ' ', verdict);
      item.dataset.state = 'running';
      list.append(item);
      const result = await requestCheck(other, check);
      item.dataset.state = result.status;
      verdict.textContent = t(`lab.check.${result.status}`);
      if (result.status !== 'pass') {
        const said = checkReason(result);
        if (said) {
          const reason = document.createElement('p');
          reason.className = 'lab-ready-reason';
          reason.textContent = `${t('lab.check.reason')} ${said}`;
          item.append(reason);
        }
        if (result.hint) {
          const hint = document.createElement('p');
          hint.className = 'lab-hint';
          showHint(hint, result.hint);
          item.append(hint);
        }
        show(t('lab.chapter.readyFailed', { check: ref }), 'failed');
        return undefined;
      }
    }
    show(t('lab.chapter.readyPassed'), 'ok');
    return prepareMs + Math.round(performance.now() - started);
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
  }
}

/**
 * Tab and Shift-Tab go round the dialog's own controls: a modal dialog makes the page inert, but
 * the browser would still tab out of it to its own toolbar. Escape closes it (the browser's own).
 */
function keepFocusIn(dialog: HTMLDialogElement, signal: AbortSignal): void {
  dialog.addEventListener(
    'keydown',
    (event) => {
      if (event.key !== 'Tab') return;
      const controls = [
        ...dialog.querySelectorAll<HTMLElement>('button, a[href], [tabindex]:not([tabindex="-1"])'),
      ].filter((control) => !control.hasAttribute('disabled'));
      const first = controls[0];
      const last = controls.at(-1);
      if (!first || !last) return;
      const active = document.activeElement;
      if (event.shiftKey && (active === first || !dialog.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    },
    { signal },
  );
}

customElements.define('lab-chapter-tools', LabChapterTools);
