import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** A phone, a small laptop, and a laptop with the book at 1400×900. */
const sizes = [
  { width: 390, height: 844 },
  { width: 1024, height: 768 },
  { width: 1400, height: 900 },
] as const;

/**
 * Whether `selector`'s element (the focused one when omitted) can be seen where it is: the
 * element at the centre of its box is it or inside it, not the dock or anything else laid over
 * it. Returns a description of what covers it, or undefined.
 */
function coveredBy(page: Page, selector?: string): Promise<string | undefined> {
  return page.evaluate((selector) => {
    const element = selector ? document.querySelector(selector) : document.activeElement;
    if (!(element instanceof HTMLElement) || element === document.body) return undefined;
    // The dock's own controls are on the dock.
    if (element.closest('lab-dock')) return undefined;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return undefined;
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    if (top && (element.contains(top) || top.contains(element))) return undefined;
    const name = (node: Element | null) =>
      node
        ? `${node.localName}${node.className ? `.${String(node.className).split(' ')[0]}` : ''}`
        : 'nothing';
    return `${name(element)} "${element.textContent?.trim().slice(0, 30)}" at y=${Math.round(y)} lies under ${name(top?.closest('lab-dock, .lab-presenter-keys, header') ?? top)}`;
  }, selector);
}

for (const size of sizes)
  test(`at ${size.width}×${size.height} no focus stop of a chapter lies under the dock`, async ({
    page,
    runner,
  }) => {
    await page.setViewportSize(size);
    await runner.signIn(page, '/en/fixture/');
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    await page.locator('h1#_top').click();
    const covered: string[] = [];
    // Every stop from the title to the dock (the dock's controls come after the chapter).
    for (let stop = 0; stop < 150; stop++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.closest('lab-dock') !== null)) break;
      const found = await coveredBy(page);
      if (found) covered.push(found);
    }
    expect(covered).toEqual([]);
  });

for (const size of sizes)
  test(`at ${size.width}×${size.height} a check's fresh verdict and reason are above the dock`, async ({
    page,
    runner,
    chapter,
  }) => {
    await page.setViewportSize(size);
    await runner.signIn(page, '/en/fixture/');
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    // Scrolled so that the check's button is just above the dock: its result grows below it.
    const check = chapter.check('never-passes');
    const button = check.getByRole('button', { name: 'Check my step' });
    await button.evaluate((element) => {
      const dock = document.querySelector('lab-dock')!.getBoundingClientRect();
      scrollBy(0, element.getBoundingClientRect().bottom - dock.top + 4);
    });
    await button.click();
    await expect(check.locator('.lab-check-verdict')).toHaveText('Not yet', { timeout: 30_000 });
    await expect
      .poll(() => coveredBy(page, 'lab-check[data-check="never-passes"] .lab-check-reason'))
      .toBeUndefined();
  });

test('presenter mode gives the text the width and keeps its key legend above the dock', async ({
  page,
  runner,
}) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await page.getByRole('button', { name: 'Presenter' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
  await expect(page.locator('.lab-presenter-keys')).toBeVisible();
  expect(await coveredBy(page, '.lab-presenter-keys')).toBeUndefined();
  const text = await page.locator('.sl-markdown-content').first().boundingBox();
  expect(text!.width, 'the text column').toBeGreaterThan(900);
  // C selects the next check and runs it: its verdict is in sight.
  await page.keyboard.press('c');
  const current = page.locator('lab-check[data-presenter-current]');
  await expect(current.locator('.lab-check-verdict')).toHaveText('Passed', { timeout: 30_000 });
  await expect
    .poll(() => coveredBy(page, 'lab-check[data-presenter-current] .lab-check-verdict'))
    .toBeUndefined();
});
