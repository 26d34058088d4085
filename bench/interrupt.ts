import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from '@playwright/test';
import { heapProbe, waitForPrompt, type BenchWindow } from './browser.ts';
import { pageInterrupt } from './page-measures.ts';
import { rssBytes } from './scope.ts';

export interface InterruptRun {
  /** Ctrl-C to the prompt. */
  ms: number;
  /** The server's resident memory before the flood and at its peak during it. */
  rssIdle: number;
  rssPeak: number;
  /** The page's JavaScript heap in use, likewise. */
  heapIdle: number;
  heapPeak: number;
}

const sampleEveryMs = 250;

/**
 * Floods the terminal with `yes` for `floodMs`, sampling the server's RSS and the page's heap,
 * then presses Ctrl-C and times the way back to the prompt.
 */
export async function interruptUnderFlood(
  page: Page,
  serverPid: number,
  floodMs: number,
): Promise<InterruptRun> {
  await waitForPrompt(page);
  const heap = await heapProbe(page);
  try {
    const rssIdle = rssBytes(serverPid);
    const heapIdle = await heap.read();
    await page.evaluate(() => (window as unknown as BenchWindow).__benchTerm.input('yes\r', true));
    const rss: number[] = [];
    const heaps: number[] = [];
    const started = performance.now();
    while (performance.now() - started < floodMs) {
      await sleep(sampleEveryMs);
      rss.push(rssBytes(serverPid));
      heaps.push(await heap.read());
    }
    const ms = await pageInterrupt(page);
    return { ms, rssIdle, rssPeak: Math.max(...rss), heapIdle, heapPeak: Math.max(...heaps) };
  } finally {
    await heap.close();
  }
}
