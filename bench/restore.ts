import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from '@playwright/test';
import { exposeDockTerminal, waitForPrompt, type BenchWindow } from './browser.ts';
import { pageTimeUntilMarker } from './page-measures.ts';
import { waitIdle } from './scope.ts';

export interface RestoreRun {
  /** From the page opening its WebSocket to the restored screen drawn. */
  ms: number;
  /** From the page opening its WebSocket to the `screen` message arriving. */
  screenMs: number;
  /**
   * From the page opening its WebSocket to the `visible` message arriving, which comes before
   * a long screen (docs/runner-api.md); absent if none came.
   */
  visibleMs?: number;
  /** From the start of the reload (navigation start) to the restored screen drawn. */
  reloadMs: number;
  /** Lines in the page's terminal buffer once restored (scrollback and screen). */
  lines: number;
}

interface Marks {
  socket: number;
  visible: number;
  screen: number;
  drawn: number;
}

/** Fills the terminal with `lines` numbered lines. */
export async function fillScrollback(page: Page, lines: number): Promise<void> {
  const text = 'restored line of scrollback, long enough to look like real output';
  await writeMarker(page, `seq -f '%06g ${text}' 1 ${lines}; `);
}

/**
 * Runs `before` (if any) and then prints a new marker line; resolves with the marker once the
 * page shows it and the prompt is back. The marker is kept in the tab's session storage, where
 * markRestores finds it after the reload.
 */
async function writeMarker(page: Page, before = ''): Promise<void> {
  const nonce = randomBytes(6).toString('hex');
  const marker = `bench-done-${nonce}`;
  await pageTimeUntilMarker(page, `${before}printf '%s-%s\\n' bench-done ${nonce}`, marker);
  await waitForPrompt(page);
  await page.evaluate((marker) => sessionStorage.setItem('bench-restore-marker', marker), marker);
}

/**
 * Adds to every later load of the page a script that marks when the page opens its WebSocket,
 * when the `screen` message arrives, and when the dock's rows first show the last marker line
 * written before the reload (see writeMarker), which is when the restore is on screen.
 */
export async function markRestores(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const marker = sessionStorage.getItem('bench-restore-marker') ?? '(no marker written)';
    const marks = { socket: 0, visible: 0, screen: 0, drawn: 0 };
    (window as unknown as { __benchMarks: Marks }).__benchMarks = marks;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        marks.socket = performance.now();
        this.addEventListener('message', (event: MessageEvent) => {
          if (typeof event.data !== 'string') return;
          if (marks.visible === 0 && event.data.startsWith('{"type":"visible"'))
            marks.visible = performance.now();
          if (marks.screen === 0 && event.data.startsWith('{"type":"screen"'))
            marks.screen = performance.now();
        });
      }
    };
    const observer = new MutationObserver(() => {
      if (!document.querySelector('lab-dock .xterm-rows')?.textContent.includes(marker)) return;
      marks.drawn = performance.now();
      observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true });
  });
}

/**
 * How long a learner's reload comes after the output it restores: `pause` is a second, and
 * the runner idle, which gives it time to keep the screen serialized (runner/screen/host.ts);
 * `at once` is as soon as the page shows the last line, which leaves it none.
 */
export type RestoreTiming = 'pause' | 'at once';

/**
 * Prints a new line in the page's terminal (see markRestores), then reloads the page after
 * `timing` and times the restore of its terminal.
 */
export async function timeRestore(
  page: Page,
  runnerPid: number,
  timing: RestoreTiming,
): Promise<RestoreRun> {
  await writeMarker(page);
  if (timing === 'pause') {
    await sleep(1000);
    await waitIdle([runnerPid]);
  }
  await page.reload();
  // The rows can be drawn before the screen message has arrived: both are waited for.
  const marks = await page.waitForFunction(
    () => {
      const found = (window as unknown as { __benchMarks?: Marks }).__benchMarks;
      return found && found.drawn > 0 && found.screen > 0 ? found : undefined;
    },
    null,
    { polling: 50, timeout: 30_000 },
  );
  const { socket, visible, screen, drawn } = (await marks.jsonValue()) as Marks;
  await exposeDockTerminal(page);
  const lines = await page.evaluate(
    () => (window as unknown as BenchWindow).__benchTerm.buffer.active.length,
  );
  return {
    ms: drawn - socket,
    screenMs: screen - socket,
    reloadMs: drawn,
    lines,
    ...(visible > 0 ? { visibleMs: visible - socket } : {}),
  };
}
