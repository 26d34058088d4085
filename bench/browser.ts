import { chromiumArgs, chromiumExecutable } from '../tests/chromium.ts';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { Terminal } from '@xterm/xterm';
import type { OurRunner } from './our-runner.ts';
import type { Wetty } from './wetty.ts';

/** The page's xterm, exposed by the bench (never by the book) for measuring. */
export type BenchWindow = Window & { __benchTerm: Terminal; wetty_term?: Terminal };

/**
 * Headless Chromium as the end-to-end tests run it (playwright.config.ts), plus `extraArgs`
 * (`--disable-3d-apis` makes a page that would draw its terminal with WebGL fall back to DOM).
 */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  const executablePath = chromiumExecutable();
  return chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [...chromiumArgs, ...extraArgs],
  });
}

export const viewport = { width: 1280, height: 900 } as const;

export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  // The dock at its tallest, so that both terminals show a similar number of rows.
  await context.addInitScript(() => localStorage.setItem('istio-lab.dock.height', '4000'));
  return context;
}

/**
 * Finds the dock's xterm, a private field of <lab-dock>, through the DevTools protocol (which can
 * read private fields), and exposes it as window.__benchTerm. The book's code is left as it ships.
 */
export async function exposeDockTerminal(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const { result } = (await cdp.send('Runtime.evaluate', {
    expression: 'document.querySelector("lab-dock")',
  })) as { result: { objectId?: string } };
  if (!result.objectId) throw new Error('the page has no <lab-dock>');
  const { privateProperties = [] } = await cdp.send('Runtime.getProperties', {
    objectId: result.objectId,
    ownProperties: true,
  });
  for (const property of privateProperties) {
    const objectId = property.value?.objectId;
    if (!objectId) continue;
    const { result: found } = await cdp.send('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration:
        'function () {' +
        '  const ok = !!(this && this.buffer && this.buffer.active && this.input);' +
        '  if (ok) window.__benchTerm = this;' +
        '  return ok;' +
        '}',
      returnByValue: true,
    });
    if (found.value === true) {
      await cdp.detach();
      return;
    }
  }
  throw new Error('could not find the xterm instance inside <lab-dock>');
}

/** Bytes of output each of our pages was sent, counted off its WebSockets' binary frames. */
const received = new WeakMap<Page, { bytes: number }>();

/** The output bytes `page` has been sent since it opened, for our pages (see openOurTerminal). */
export function bytesReceived(page: Page): number | undefined {
  return received.get(page)?.bytes;
}

/** A chapter of our book, signed in to the runner, with its dock connected. */
export async function openOurTerminal(
  context: BrowserContext,
  runner: OurRunner,
  path = '/en/fixture/',
): Promise<Page> {
  const page = await context.newPage();
  const count = { bytes: 0 };
  received.set(page, count);
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string') count.bytes += payload.length;
    }),
  );
  await page.goto(`${new URL(path, runner.book).href}?token=${runner.token}`);
  await page.locator('lab-dock .lab-dock-status[data-state="connected"]').waitFor();
  await exposeDockTerminal(page);
  await waitForPrompt(page);
  return page;
}

/** Wetty's page, with its xterm (window.wetty_term) connected to a fresh shell. */
export async function openWettyTerminal(context: BrowserContext, wetty: Wetty): Promise<Page> {
  const page = await context.newPage();
  await page.goto(wetty.url);
  await page.waitForFunction(() => (window as unknown as BenchWindow).wetty_term !== undefined);
  await page.evaluate(() => {
    const win = window as unknown as BenchWindow;
    if (win.wetty_term) win.__benchTerm = win.wetty_term;
  });
  await waitForPrompt(page);
  return page;
}

/** Waits until the terminal's cursor line is a shell prompt (ends with `$` or `#`). */
export async function waitForPrompt(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const buffer = (window as unknown as BenchWindow).__benchTerm.buffer.active;
      const line = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
      return /[#$]\s*$/.test(line);
    },
    null,
    { timeout, polling: 50 },
  );
}

/** What the renderer of the page's xterm is: a WebGL canvas or DOM rows. */
export function rendererOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const term = (window as unknown as BenchWindow).__benchTerm;
    // xterm's DOM renderer draws rows as elements; the WebGL addon draws on canvases instead.
    const kind = term.element?.querySelector('.xterm-rows') ? 'DOM' : 'WebGL';
    return `${kind}, ${term.cols}×${term.rows}, scrollback ${term.options.scrollback}`;
  });
}

/** Reads the page's JavaScript heap in use, in bytes, through one DevTools session. */
export async function heapProbe(
  page: Page,
): Promise<{ read: () => Promise<number>; close: () => Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  return {
    read: async () => (await cdp.send('Runtime.getHeapUsage')).usedSize,
    close: () => cdp.detach(),
  };
}
