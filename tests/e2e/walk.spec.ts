import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures.ts';

test("the read-only banner's command has a Copy button and scrolls by keyboard on a phone", async ({
  page,
  context,
  staticHost,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(new URL('/en/fixture/', staticHost.url).href);
  const banner = page.locator('lab-runtime .lab-banner[data-kind="absent"]');
  await expect(banner).toBeVisible();
  const command = `npm start -- --allow-origin ${new URL(staticHost.url).origin}`;
  await expect(banner.locator('.lab-runner-command')).toHaveText(command);
  const scan = await new AxeBuilder({ page })
    .include('lab-runtime .lab-banner')
    .withRules(['scrollable-region-focusable'])
    .analyze();
  expect(scan.violations).toEqual([]);
  await banner.getByRole('button', { name: 'Copy' }).click();
  await expect(banner.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);
});

test('the home page says the terminal is a full shell', async ({ page, staticHost }) => {
  await page.goto(new URL('/en/', staticHost.url).href);
  await expect(page.locator('main')).toContainText('Its terminal is a full shell on your machine');
  await expect(page.locator('main')).not.toContainText('it can run only the commands');
});

test('"A command is still running" goes once that command has finished', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.run('long-sleep');
  await expect(chapter.cell('long-sleep').locator('.lab-cell-state')).toHaveText(/Running/);
  await chapter.run('say-hello');
  const hello = chapter.cell('say-hello').locator('.lab-cell-state');
  await expect(hello).toContainText('A command is still running');
  await page.locator('lab-dock .xterm').click();
  await page.keyboard.press('Control+C');
  await expect(chapter.cell('long-sleep').locator('.lab-cell-state')).not.toHaveText(/Running/);
  await expect(hello).not.toContainText('A command is still running');
});
