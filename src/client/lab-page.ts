import { bus } from './bus.ts';
import { showChapterProgress } from './chapter-progress.ts';
import './lab-cell.ts';
import './lab-chapter-tools.ts';
import './lab-check.ts';
import { showHubStatus } from './hub-banner.ts';
import { probeRunner } from './runner-link.ts';
import { showProtocolMismatch } from './runner-version.ts';
import { relayChecksBetweenTabs } from './tab-relay.ts';

/**
 * A chapter's page code. It asks whether a runner answers; only then does it load the terminal
 * dock (and xterm.js with it), so a read-only page carries no terminal code at all.
 */
async function start(): Promise<void> {
  const state = await probeRunner();
  bus.emit('state', state);
  document.documentElement.dataset.labRunner = state;
  const stateBanners = 'lab-runtime .lab-banner:not([data-kind="protocol"], [data-kind="hub"])';
  for (const banner of document.querySelectorAll<HTMLElement>(stateBanners)) {
    banner.hidden = banner.dataset.kind !== state;
  }
  // The command that lets this very site use a local runner: its origin, or, for a book published
  // under a path, the book's folder, where the runner's pairing link must lead.
  const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
  for (const origin of document.querySelectorAll<HTMLElement>('lab-runtime [data-origin]')) {
    origin.textContent = base === '/' ? location.origin : location.origin + base;
    // Its Copy button copies the command as shown.
    const block = origin.closest<HTMLElement>('[data-code]');
    if (block) block.dataset.code = block.textContent.trim();
  }
  document.querySelector('lab-runtime')?.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>(
      '.lab-banner [data-action="copy"]',
    );
    if (button) void import('./copy-code.ts').then(({ copyCode }) => copyCode(button));
  });
  if (state === 'connected') {
    relayChecksBetweenTabs();
    const protocol = document.querySelector<HTMLElement>('lab-runtime [data-kind="protocol"]');
    if (protocol) showProtocolMismatch(protocol);
    const hub = document.querySelector<HTMLElement>('lab-runtime [data-kind="hub"]');
    if (hub) showHubStatus(hub);
    const lab = document.querySelector<HTMLElement>('lab-runtime')?.dataset.lab;
    if (lab) void showChapterProgress(lab);
    const { openDock } = await import('./lab-dock.ts');
    openDock();
  }
}

void start();
