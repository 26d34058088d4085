import type { Page } from '@playwright/test';
import type { BenchWindow } from './browser.ts';

/*
 * Measurements taken inside the page, on the page's own xterm, identically for every page:
 * keystrokes go in through term.input() (the path a real keypress takes after the keyboard
 * event), and output counts as arrived when xterm has parsed it into its buffer (onWriteParsed);
 * the throughput also waits for the next frame, so its marker is on screen.
 */

/** Types `command` and Enter; resolves with the ms until a line equal to `marker` is rendered. */
export function pageTimeUntilMarker(
  page: Page,
  command: string,
  marker: string,
  timeoutMs = 180_000,
): Promise<number> {
  return page.evaluate(
    ({ command, marker, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const term = (window as unknown as BenchWindow).__benchTerm;
        const start = performance.now();
        const timer = setTimeout(() => {
          listener.dispose();
          const buffer = term.buffer.active;
          const last = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true);
          reject(
            new Error(`${marker} did not appear within ${timeoutMs} ms; cursor line: ${last}`),
          );
        }, timeoutMs);
        const seen = () => {
          // Only the last lines can hold it: the marker is followed by the prompt alone.
          const buffer = term.buffer.active;
          for (let i = Math.max(0, buffer.length - 8); i < buffer.length; i++) {
            if (buffer.getLine(i)?.translateToString(true) === marker) return true;
          }
          return false;
        };
        const listener = term.onWriteParsed(() => {
          if (!seen()) return;
          listener.dispose();
          clearTimeout(timer);
          const parsed = performance.now() - start;
          // The frame that draws it; a page that draws no frame (hidden) is timed at the parse.
          const fallback = setTimeout(() => resolve(parsed), 250);
          requestAnimationFrame(() => {
            clearTimeout(fallback);
            resolve(performance.now() - start);
          });
        });
        term.input(`${command}\r`, true);
      }),
    { command, marker, timeoutMs },
  );
}

/** Sends Ctrl-C; resolves with the ms until the cursor line is a prompt again. */
export async function pageInterrupt(page: Page, timeoutMs = 30_000): Promise<number> {
  // Timed from this side: under a flood the page's main thread is busy, and the wait for it to
  // take the keystroke at all is part of what a learner waits for.
  const start = performance.now();
  await page.evaluate(
    (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const term = (window as unknown as BenchWindow).__benchTerm;
        const timer = setTimeout(() => {
          listener.dispose();
          reject(new Error(`no prompt within ${timeoutMs} ms of Ctrl-C`));
        }, timeoutMs);
        const listener = term.onWriteParsed(() => {
          const buffer = term.buffer.active;
          const line = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true);
          if (!/[#$]\s*$/.test(line ?? '')) return;
          listener.dispose();
          clearTimeout(timer);
          resolve();
        });
        term.input('\x03', true);
      }),
    timeoutMs,
  );
  return performance.now() - start;
}

/** Keystroke → echo parsed by the page's xterm, `count` times: `a`, Backspace, `a`, … */
export function pageEchoSamples(page: Page, count: number): Promise<number[]> {
  return page.evaluate(async (count) => {
    const term = (window as unknown as BenchWindow).__benchTerm;
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      const start = performance.now();
      await new Promise<void>((resolve) => {
        const listener = term.onWriteParsed(() => {
          listener.dispose();
          resolve();
        });
        term.input(i % 2 === 0 ? 'a' : '\x7f', true);
      });
      samples.push(performance.now() - start);
    }
    return samples;
  }, count);
}
