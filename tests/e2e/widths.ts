import type { Page } from '@playwright/test';

/**
 * A phone, a tablet, a small laptop (or a laptop with the book in half its screen), a laptop and
 * a projector or large monitor: the book must read at each, with the dock open.
 */
export const windowSizes = [
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** How far the page scrolls sideways as a whole (0 when nothing is wider than the window). */
export function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

/** Names the first elements that reach past the window's right edge, for a failure's message. */
export function widest(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((element) => element.getBoundingClientRect().right > innerWidth + 1)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}`),
  );
}
