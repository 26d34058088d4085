import { bus } from './bus.ts';
import { duration, t } from './strings.ts';

/**
 * `<lab-chapter-tools>`: "Catch up" runs the chapter's prepare in the terminal, where the learner
 * sees each step; "Reset chapter" first shows what its cleanup will run and asks. The time the
 * last catch-up took is remembered in this browser and shown next to the button.
 */
class LabChapterTools extends HTMLElement {
  #disposers: Array<() => void> = [];

  connectedCallback(): void {
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
    this.querySelector('[data-action="prepare"]')?.addEventListener('click', () =>
      bus.emit('run', { lab, script: 'prepare' }),
    );
    const dialog = this.querySelector<HTMLDialogElement>('dialog');
    this.querySelector('[data-action="cleanup"]')?.addEventListener('click', () =>
      dialog?.showModal(),
    );
    dialog?.addEventListener('close', () => {
      if (dialog.returnValue === 'confirm') bus.emit('run', { lab, script: 'cleanup' });
    });
    this.#disposers.push(
      bus.on('state', toggle),
      bus.on('message', (message) => {
        if (message.type !== 'cell' || message.lab !== lab || !message.cell.startsWith('@')) return;
        if (message.state === 'running') show(t('lab.cell.state.running'), 'running');
        else if (message.state === 'interrupted') show(t('lab.cell.state.interrupted'), 'failed');
        else if (message.exitCode === 0) {
          show(t('lab.cell.state.ok', { duration: duration(message.ms ?? 0) }), 'ok');
          if (message.cell === '@prepare')
            localStorage.setItem(remembered, String(message.ms ?? 0));
        } else
          show(
            t('lab.cell.state.failed', {
              code: message.exitCode ?? '?',
              duration: duration(message.ms ?? 0),
            }),
            'failed',
          );
      }),
    );
  }

  disconnectedCallback(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
  }
}

customElements.define('lab-chapter-tools', LabChapterTools);
