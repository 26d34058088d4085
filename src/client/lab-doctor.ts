import { errorMessage } from '../lib/wire/error-codes.ts';
import type { DoctorReplyItem } from './api-schemas.ts';
import type { RunnerState } from './bus.ts';
import { copyCode } from './copy-code.ts';
import { loadSchemas, probeRunner, requestJson } from './runner-link.ts';
import { errorText, isStringKey, t } from './strings.ts';

const marks = { ok: '✔', warn: '!', fail: '✘', skip: '–' } as const;

/**
 * `<lab-doctor>`: upgrades the server-rendered list of what the doctor checks. With a runner it
 * asks GET /api/doctor and shows each item's status, what was found and the commands that fix
 * it; without one, the read-only instructions stay.
 */
class LabDoctor extends HTMLElement {
  #checking = false;
  #onClick = (event: Event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (button?.dataset.action === 'copy') void copyCode(button);
    if (button?.dataset.action === 'recheck') void this.#check();
  };

  connectedCallback(): void {
    this.addEventListener('click', this.#onClick);
    void this.#start();
  }

  disconnectedCallback(): void {
    this.removeEventListener('click', this.#onClick);
  }

  async #start(): Promise<void> {
    const state: RunnerState = await probeRunner();
    this.dataset.runner = state;
    for (const part of this.querySelectorAll<HTMLElement>('[data-when]')) {
      part.hidden = part.dataset.when !== state;
    }
    if (state === 'connected') await this.#check();
  }

  async #check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    const button = this.querySelector<HTMLButtonElement>('[data-action="recheck"]');
    const summary = this.querySelector<HTMLElement>('.lab-doctor-summary');
    if (button) button.disabled = true;
    if (summary) summary.textContent = t('lab.doctor.checking');
    try {
      const { doctorReplySchema } = await loadSchemas();
      const reply = await requestJson('/doctor', doctorReplySchema);
      if (!reply.ok) throw new Error(errorText(reply.code, reply.message));
      const { items } = reply.body;
      for (const item of items) this.#show(item);
      const worst = items.some((i) => i.status === 'fail')
        ? 'lab.doctor.someFail'
        : items.some((i) => i.status === 'warn')
          ? 'lab.doctor.someWarn'
          : 'lab.doctor.allOk';
      if (summary) summary.textContent = t(worst);
    } catch (error) {
      if (summary) summary.textContent = t('lab.doctor.failed', { reason: errorMessage(error) });
    } finally {
      this.#checking = false;
      if (button) button.disabled = false;
    }
  }

  #show(item: DoctorReplyItem): void {
    const list = this.querySelector('.lab-doctor-items');
    let entry = this.querySelector<HTMLElement>(
      `.lab-doctor-item[data-item="${CSS.escape(item.id)}"]`,
    );
    if (!entry) {
      // An item this page does not know (a newer runner): shown with what the runner sent.
      entry = document.createElement('li');
      entry.className = 'lab-doctor-item';
      entry.dataset.item = item.id;
      entry.innerHTML =
        '<p class="lab-doctor-head"><span class="lab-doctor-status"></span><strong></strong></p>' +
        '<p class="lab-doctor-text"></p><code class="lab-doctor-detail"></code>';
      const name = entry.querySelector('strong');
      if (name) name.textContent = item.id;
      list?.append(entry);
    }
    entry.dataset.status = item.status;
    const mark = entry.querySelector<HTMLElement>('.lab-doctor-status');
    if (mark) {
      mark.hidden = false;
      mark.textContent = `${marks[item.status] ?? ''} ${t(`lab.doctor.status.${item.status}`)}`;
    }
    const text = entry.querySelector<HTMLElement>('.lab-doctor-text');
    if (text) {
      text.hidden = false;
      // A finding this page has no words for (a newer runner's) shows its key, as a missing string does.
      const key = `lab.doctor.${item.id}.${item.code}`;
      text.textContent = isStringKey(key) ? t(key, item.params) : key;
    }
    const detail = entry.querySelector<HTMLElement>('.lab-doctor-detail');
    if (detail) {
      // What the runner found, as `npm run doctor` shows it: for an item that is not OK (an OK
      // item's detail is a code, `machine` under "Where the labs run", not words for people).
      detail.hidden = !item.detail || item.status === 'ok';
      detail.textContent = item.detail;
    }
    entry.querySelector('.lab-doctor-fix')?.remove();
    if (item.commands.length > 0) entry.append(fixBlock(item.commands.join('\n')));
  }
}

/** The commands, in a block like a cell's: a caption, Copy, and the code. */
function fixBlock(code: string): HTMLElement {
  const block = document.createElement('div');
  block.className = 'lab-cell lab-doctor-fix';
  const bar = document.createElement('div');
  bar.className = 'lab-cell-bar';
  const caption = document.createElement('span');
  caption.textContent = t('lab.doctor.fixLabel');
  const actions = document.createElement('span');
  actions.className = 'lab-cell-actions';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'lab-button';
  button.dataset.action = 'copy';
  button.dataset.label = t('lab.cell.copy');
  button.textContent = t('lab.cell.copy');
  actions.append(button);
  bar.append(caption, actions);
  const body = document.createElement('div');
  body.className = 'lab-cell-code';
  body.dataset.code = code;
  const pre = document.createElement('pre');
  // A long command scrolls: a keyboard can reach it to scroll it.
  pre.tabIndex = 0;
  const element = document.createElement('code');
  element.textContent = code;
  pre.append(element);
  body.append(pre);
  block.append(bar, body);
  return block;
}

customElements.define('lab-doctor', LabDoctor);
