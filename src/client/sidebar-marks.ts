import type { Progress } from '../lib/wire/progress.ts';
import { bus } from './bus.ts';
import { probeRunner, readProgress } from './runner-link.ts';

interface SidebarMarks {
  done: string;
  chapters: Array<{ lab: string; href: string; checks: string[] }>;
}

/**
 * Marks, in the sidebar, every chapter whose checks have all passed (their latest verdicts, from
 * the runner's progress), and keeps the mark current as checks on this page finish. Without a
 * runner there is no progress, and no mark.
 */
async function markSidebar(): Promise<void> {
  const source = document.querySelector('script[data-lab-sidebar]');
  if (!source?.textContent) return;
  const marks = JSON.parse(source.textContent) as SidebarMarks;
  if ((await probeRunner()) !== 'connected') return;
  let progress: Progress;
  try {
    progress = structuredClone(await readProgress());
  } catch {
    // No progress to read: nothing to mark.
    return;
  }
  const render = () => {
    for (const chapter of marks.chapters) {
      const results = progress.labs[chapter.lab] ?? {};
      const done =
        chapter.checks.length > 0 &&
        chapter.checks.every((check) => results[check]?.status === 'pass');
      for (const link of document.querySelectorAll<HTMLAnchorElement>(
        `nav.sidebar a[href="${CSS.escape(chapter.href)}"]`,
      )) {
        link.querySelector('.lab-sidebar-done')?.remove();
        if (done) {
          link.dataset.labDone = 'true';
          const mark = document.createElement('span');
          mark.className = 'lab-sidebar-done';
          const tick = document.createElement('span');
          tick.setAttribute('aria-hidden', 'true');
          tick.textContent = '✓';
          const words = document.createElement('span');
          words.className = 'sr-only';
          words.textContent = ` ${marks.done}`;
          mark.append(tick, words);
          link.append(mark);
        } else {
          delete link.dataset.labDone;
        }
      }
    }
  };
  render();
  bus.on('message', (message) => {
    if (message.type !== 'check' || !message.status) return;
    const results = (progress.labs[message.lab] ??= {});
    results[message.check] = {
      status: message.status,
      at: new Date().toISOString(),
      ms: 0,
      attempts: message.attempt,
    };
    render();
  });
}

void markSidebar();
