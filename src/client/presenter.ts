import { bus } from './bus.ts';

/**
 * Presenter mode, for an instructor at a projector: larger type in the prose and the terminal,
 * stronger contrast, and keys to walk the chapter's steps — N / P the next and previous cell or
 * check, R runs the current one, C runs the next check. Toggled by the header button (or Shift+P)
 * and remembered in this browser. Keys act only in presenter mode, and never while typing in the
 * terminal, a field or a dialog.
 */
const storageKey = 'istio-lab.presenter';
const root = document.documentElement;

export function presenterOn(): boolean {
  return root.dataset.presenter === 'on';
}

function setPresenter(on: boolean): void {
  if (on) root.dataset.presenter = 'on';
  else delete root.dataset.presenter;
  localStorage.setItem(storageKey, on ? 'on' : 'off');
  sync();
  bus.emit('presenter', on);
}

function sync(): void {
  const on = presenterOn();
  for (const button of document.querySelectorAll<HTMLButtonElement>('.lab-presenter-toggle')) {
    button.setAttribute('aria-pressed', String(on));
    button.title = on ? (button.dataset.keys ?? '') : '';
  }
  let hint = document.querySelector<HTMLElement>('.lab-presenter-keys');
  if (on && !hint) {
    hint = document.createElement('p');
    hint.className = 'lab-presenter-keys';
    hint.setAttribute('aria-hidden', 'true');
    hint.textContent =
      document.querySelector<HTMLElement>('.lab-presenter-toggle')?.dataset.keys ?? '';
    document.body.append(hint);
  }
  if (hint) hint.hidden = !on;
}

function steps(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('lab-cell, lab-check')];
}

function current(): HTMLElement | undefined {
  return document.querySelector<HTMLElement>('[data-presenter-current]') ?? undefined;
}

function select(step: HTMLElement | undefined): void {
  if (!step) return;
  current()?.removeAttribute('data-presenter-current');
  step.dataset.presenterCurrent = '';
  step.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

function move(by: 1 | -1): void {
  const all = steps();
  const index = all.indexOf(current() as HTMLElement);
  // With nothing selected yet, N starts at the first step and P at the last.
  const next = index === -1 ? (by === 1 ? 0 : all.length - 1) : index + by;
  select(all[Math.max(0, Math.min(all.length - 1, next))]);
}

/** Presses the current step's own button: Run for a cell, "Check my step" for a check. */
function runCurrent(): void {
  const step = current();
  if (!step) return move(1);
  const action = step.localName === 'lab-cell' ? 'run' : 'check';
  const button = step.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`);
  if (button && !button.hidden && !button.disabled) button.click();
}

/** Selects the first check from the current step on, and runs it. */
function runNextCheck(): void {
  const all = steps();
  const from = Math.max(0, all.indexOf(current() as HTMLElement));
  const check = all.slice(from).find((step) => step.localName === 'lab-check');
  if (!check) return;
  select(check);
  runCurrent();
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target.closest('input, textarea, select, dialog, lab-dock, .xterm') !== null
  );
}

document.addEventListener('click', (event) => {
  const toggle = (event.target as HTMLElement | null)?.closest('.lab-presenter-toggle');
  if (toggle) setPresenter(!presenterOn());
});

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (event.shiftKey && event.key === 'P') {
    setPresenter(!presenterOn());
    event.preventDefault();
    return;
  }
  if (!presenterOn() || event.shiftKey) return;
  const actions: Record<string, () => void> = {
    n: () => move(1),
    p: () => move(-1),
    r: runCurrent,
    c: runNextCheck,
  };
  const action = actions[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  action();
});

sync();
