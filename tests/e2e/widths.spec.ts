import { expect, test } from './fixtures.ts';
import { pageOverflow, widest, windowSizes } from './widths.ts';

for (const size of windowSizes)
  for (const locale of ['en', 'ru'] as const)
    test(`a chapter at ${size.width}×${size.height} (${locale}) starts with its title, fits the width and has a usable dock`, async ({
      page,
      runner,
      chapter,
    }) => {
      await page.setViewportSize(size);
      await runner.signIn(page, `/${locale}/fixture/`);
      const dock = page.locator('lab-dock');
      await expect(dock.locator('.lab-dock-terminal .xterm')).toBeVisible();
      // The title is near the top: under the header (and, when narrow, the table of contents'
      // bar), not under a blank box as tall as the window.
      const title = await page.locator('h1#_top').boundingBox();
      expect(title, 'the title is on the page').not.toBeNull();
      expect(title!.y, 'the title is near the top').toBeLessThan(250);
      expect(await pageOverflow(page), `nothing is wider: ${(await widest(page)).join(', ')}`).toBe(
        0,
      );
      // The dock leaves most of the window to the book, and its controls are on screen.
      const box = await dock.boundingBox();
      expect(box!.height).toBeLessThanOrEqual(size.height * 0.5);
      expect(box!.y + box!.height).toBeLessThanOrEqual(size.height + 1);
      for (const button of await dock.locator('.lab-dock-bar button:visible').all())
        await expect(button).toBeInViewport();
      // And it runs a cell.
      await chapter.cell('say-hello').scrollIntoViewIfNeeded();
      await chapter.cell('say-hello').locator('[data-action="run"]').click();
      await chapter.expectTerminal(/^hello from the cell$/m);
      expect(await pageOverflow(page)).toBe(0);
    });

for (const size of windowSizes)
  test(`the progress page fits ${size.width} px`, async ({ page, runner }) => {
    await page.setViewportSize(size);
    await runner.signIn(page, '/ru/progress/');
    await expect(page.locator('.lab-report-bar')).toBeVisible();
    expect(await pageOverflow(page), `nothing is wider: ${(await widest(page)).join(', ')}`).toBe(
      0,
    );
  });
