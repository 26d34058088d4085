import {
  oldestRunnerProtocol,
  protocolMismatch,
  protocolVersion,
} from '../lib/wire/protocol-version.ts';
import { currentPairing } from './pairing.ts';
import { runnerHealth } from './runner-link.ts';
import { t } from './strings.ts';

/**
 * Says on the page, in `banner`, when the runner that answered is too old or too new for it, with
 * what fixes it: for an older runner, the command that updates and restarts it; for a newer one
 * (a hosted copy older than the runner), a link to the same page on the runner, whose own copy
 * of the book always matches it. Returns whether the two work together.
 */
export function showProtocolMismatch(banner: HTMLElement): boolean {
  const health = runnerHealth();
  const mismatch = protocolMismatch(health);
  // The banner is a live region that stays rendered, empty but for a mismatch (hub-banner.ts).
  if (!mismatch) return true;
  const announced =
    typeof health === 'object' && health !== null && 'protocol' in health ? health.protocol : 1;
  const runner = typeof announced === 'number' ? announced : 1;
  const paired = currentPairing();
  const text = document.createElement('p');
  const fix = document.createElement('pre');
  // A long command scrolls: a keyboard can reach it to scroll it.
  fix.tabIndex = 0;
  const code = fix.appendChild(document.createElement('code'));
  if (mismatch === 'old') {
    text.textContent = t('lab.runner.tooOld', { runner, oldest: oldestRunnerProtocol });
    // A hosted copy's runner needs the site allowed again once it restarts.
    const base = import.meta.env.BASE_URL.replace(/\/?$/, '/');
    const site = base === '/' ? location.origin : location.origin + base;
    code.textContent = `git pull && npm install && npm start${paired ? ` -- --allow-origin ${site}` : ''}`;
    banner.replaceChildren(text, fix);
  } else {
    text.textContent = t('lab.runner.tooNew', { runner, page: protocolVersion });
    const link = document.createElement('a');
    const origin = paired ? paired.runner : location.origin;
    link.href = new URL(location.pathname, origin).href;
    link.textContent = link.href;
    const line = document.createElement('p');
    line.append(link);
    banner.replaceChildren(text, line);
  }
  return false;
}
