import { bus } from './bus.ts';
import { readProgress } from './runner-link.ts';
import { plural } from './strings.ts';

/**
 * The chapter header's "N of M checks passed": read from the runner's progress when the page
 * connects, then kept current as checks finish. Hidden without a runner.
 */
export async function showChapterProgress(lab: string): Promise<void> {
  const line = document.querySelector<HTMLElement>('lab-runtime .lab-progress');
  const checks = [...document.querySelectorAll<HTMLElement>('lab-check')].map(
    (element) => element.dataset.check ?? '',
  );
  if (!line || checks.length === 0) return;
  const passed = new Set<string>();
  const render = () => {
    line.textContent = plural('lab.progress.checks', checks.length, { passed: passed.size });
    line.hidden = false;
  };
  try {
    const progress = await readProgress();
    for (const [id, entry] of Object.entries(progress.labs[lab] ?? {})) {
      if (entry.status === 'pass' && checks.includes(id)) passed.add(id);
    }
  } catch {
    // No progress to show yet: start from zero.
  }
  render();
  bus.on('message', (message) => {
    if (
      message.type !== 'check' ||
      message.lab !== lab ||
      !message.status ||
      !checks.includes(message.check)
    )
      return;
    if (message.status === 'pass') passed.add(message.check);
    else passed.delete(message.check);
    render();
  });
}
