import type { Progress, ProgressEntry } from '../lib/wire/progress.ts';
import { probeRunner, readProgress, requestCheck } from './runner-link.ts';
import { checkReason, duration, plural, t } from './strings.ts';

/** A row's state: its latest result, "none" before any run, "drift" when it passed and now fails. */
type RowState = 'none' | 'pass' | 'fail' | 'error' | 'drift';

/**
 * `<lab-progress-report>`: the progress page. Fills every chapter's checks in from the runner's
 * progress (status and time of the latest run), counts them, and "Re-verify all" runs every check
 * that has passed once more — one attempt each, against the live cluster — marking the ones that
 * fail now as drifted.
 */
class LabProgressReport extends HTMLElement {
  // Not emptyProgress(): src/lib/wire/progress.ts brings zod, which only a page with a runner loads.
  #progress: Progress = { version: 1, labs: {} };
  /** Ends what this element listens to while it is in the page. */
  #connected: AbortController | undefined;

  connectedCallback(): void {
    this.#connected?.abort();
    this.#connected = new AbortController();
    void this.#start(this.#connected.signal);
  }

  disconnectedCallback(): void {
    this.#connected?.abort();
  }

  async #start(signal: AbortSignal): Promise<void> {
    const state = await probeRunner();
    if (signal.aborted) return;
    document.documentElement.dataset.labRunner = state;
    if (state !== 'connected') {
      const banner = this.querySelector<HTMLElement>('.lab-banner');
      if (banner) banner.hidden = false;
      return;
    }
    const bar = this.querySelector<HTMLElement>('.lab-report-bar');
    if (bar) bar.hidden = false;
    const button = this.querySelector<HTMLButtonElement>('[data-action="reverify"]');
    button?.addEventListener('click', () => void this.#reverify(button), { signal });
    await this.#load();
  }

  async #load(): Promise<void> {
    try {
      this.#progress = structuredClone(await readProgress());
    } catch {
      // The runner answered health a moment ago; show the rows as not run rather than nothing.
    }
    for (const row of this.#rows()) {
      const entry = this.#entry(row);
      this.#show(row, entry ? entry.status : 'none', entry);
    }
    this.#count();
  }

  #rows(): HTMLTableRowElement[] {
    return [...this.querySelectorAll<HTMLTableRowElement>('tr[data-check]')];
  }

  #lab(row: HTMLElement): string {
    return row.closest<HTMLElement>('[data-lab]')?.dataset.lab ?? '';
  }

  #entry(row: HTMLElement): ProgressEntry | undefined {
    return this.#progress.labs[this.#lab(row)]?.[row.dataset.check ?? ''];
  }

  #show(row: HTMLTableRowElement, state: RowState, entry: ProgressEntry | undefined): void {
    row.dataset.state = state;
    const status = row.querySelector<HTMLElement>('.lab-report-status');
    const when = row.querySelector<HTMLElement>('.lab-report-when');
    if (status) {
      status.textContent =
        state === 'none'
          ? t('lab.report.notRun')
          : state === 'drift'
            ? t('lab.report.drift')
            : t(`lab.check.${state}`);
    }
    if (when) {
      when.textContent = entry ? this.#when(entry) : '';
      when.title = entry?.firstPassedAt
        ? t('lab.report.firstPassed', { time: this.#time(entry.firstPassedAt) })
        : '';
    }
  }

  #time(iso: string): string {
    const lang = document.documentElement.lang || 'en';
    return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(iso),
    );
  }

  #when(entry: ProgressEntry): string {
    return `${this.#time(entry.at)} · ${duration(entry.ms)}`;
  }

  /** "N of M checks passed" for the book and for each chapter. */
  #count(): void {
    const rows = this.#rows();
    const total = this.querySelector<HTMLElement>('.lab-report-total');
    if (total)
      total.textContent = plural('lab.progress.checks', rows.length, {
        passed: rows.filter((row) => row.dataset.state === 'pass').length,
      });
    for (const section of this.querySelectorAll<HTMLElement>('.lab-report-chapter')) {
      const own = [...section.querySelectorAll<HTMLElement>('tr[data-check]')];
      const line = section.querySelector<HTMLElement>('.lab-report-count');
      if (!line || own.length === 0) continue;
      const passed = own.filter((row) => row.dataset.state === 'pass').length;
      line.textContent = plural('lab.progress.checks', own.length, { passed });
      line.hidden = false;
      section.dataset.done = String(passed === own.length);
    }
  }

  /** Runs every check that has passed at some time, once each, in book order. */
  async #reverify(button: HTMLButtonElement): Promise<void> {
    const status = this.querySelector<HTMLElement>('.lab-report-verify');
    const rows = this.#rows().filter((row) => {
      const entry = this.#entry(row);
      return entry?.status === 'pass' || entry?.firstPassedAt !== undefined;
    });
    if (rows.length === 0) {
      if (status) status.textContent = t('lab.report.nothingToVerify');
      return;
    }
    button.disabled = true;
    let drifted = 0;
    for (const [index, row] of rows.entries()) {
      if (status)
        status.textContent = t('lab.report.reverifying', {
          done: index + 1,
          count: rows.length,
        });
      row.dataset.verifying = 'true';
      const verdict = await requestCheck(this.#lab(row), row.dataset.check ?? '', { once: true });
      delete row.dataset.verifying;
      const before = this.#entry(row);
      const after: ProgressEntry = {
        status: verdict.status,
        at: new Date().toISOString(),
        ms: verdict.ms,
        attempts: 1,
        ...(before?.firstPassedAt ? { firstPassedAt: before.firstPassedAt } : {}),
      };
      (this.#progress.labs[this.#lab(row)] ??= {})[row.dataset.check ?? ''] = after;
      const state: RowState = verdict.status === 'pass' ? 'pass' : 'drift';
      if (state === 'drift') drifted += 1;
      this.#show(row, state, after);
      const reason = row.querySelector<HTMLElement>('.lab-report-reason');
      reason?.remove();
      if (state === 'drift' && checkReason(verdict)) {
        const line = document.createElement('p');
        line.className = 'lab-report-reason';
        line.textContent = `${t('lab.check.reason')} ${checkReason(verdict)}`;
        row.querySelector('td')?.append(line);
      }
    }
    this.#count();
    if (status)
      status.textContent = [
        plural('lab.report.reverified', rows.length),
        drifted === 0 ? t('lab.report.noDrift') : plural('lab.report.drifted', drifted),
      ].join(' ');
    button.disabled = false;
  }
}

customElements.define('lab-progress-report', LabProgressReport);
