import { hubStatusOf, type HubStatus } from '../lib/wire/hub-status.ts';
import type { UiStringKey } from '../lib/ui-strings.ts';
import { apiFetch, runnerHealth } from './runner-link.ts';
import { t } from './strings.ts';

/**
 * What the learner's page says of the classroom hub its runner reports to (`--report-to`), as the
 * runner's `/api/health` carries it (src/lib/wire/hub-status.ts): the statuses the learner can do
 * something about, or should not worry about. The others stay in the runner's log.
 */
const worded: Partial<Record<HubStatus, UiStringKey>> = {
  full: 'lab.classroom.full',
  'not-saved': 'lab.classroom.notSaved',
};

/**
 * How often a page whose runner reports to a hub asks again, so that the banner comes and goes
 * while the learner stays on one chapter (a room fills, the instructor makes room).
 * @default 15_000
 */
export const hubRecheckMs = 15_000;

/**
 * Shows in `banner` what the runner knows of its hub, once: the text is set only when it changes,
 * so that a screen reader announces it once. The banner is a live region that stays rendered
 * (LabRuntime.astro; empty, lab.css collapses it): only its text comes and goes, as a region that
 * appeared with its text might not be announced. A runner that reports to no hub is not asked
 * again.
 */
export function showHubStatus(banner: HTMLElement): void {
  const show = (status: HubStatus | undefined) => {
    const key = status === undefined ? undefined : worded[status];
    const text = key === undefined ? '' : t(key);
    if (banner.textContent !== text) {
      const line = document.createElement('p');
      line.textContent = text;
      banner.replaceChildren(...(text ? [line] : []));
    }
  };
  const first = hubStatusOf(runnerHealth());
  show(first);
  if (first === undefined) return;
  setInterval(() => {
    if (document.hidden) return;
    apiFetch('/health')
      .then((response) => (response.ok ? response.json() : undefined))
      .then((answer: unknown) => {
        if (answer !== undefined) show(hubStatusOf(answer));
      })
      // No answer this time (the runner restarting): the banner stays as it was.
      .catch(() => undefined);
  }, hubRecheckMs);
}
