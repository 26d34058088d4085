import { expect, test } from './fixtures.ts';

const chapterPath = '/en/fixture/';

test('presenter mode: larger type in prose and terminal, keys to walk, run and check; remembered', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  const rootFontSize = () =>
    page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  const terminalFontSize = () =>
    page.evaluate(
      () => getComputedStyle(document.querySelector('lab-dock .xterm-rows') as Element).fontSize,
    );
  expect(await rootFontSize()).toBe('16px');
  expect(await terminalFontSize()).toBe('14px');

  const toggle = page.locator('header .lab-presenter-toggle');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
  expect(await rootFontSize()).toBe('20px');
  await expect.poll(terminalFontSize).toBe('22px');
  await expect(page.locator('.lab-presenter-keys')).toContainText('N next step');

  // N selects the first step (the cell), R runs it, C runs the next check.
  await page.locator('main h1').click();
  await page.keyboard.press('n');
  await expect(chapter.cell('say-hello')).toHaveAttribute('data-presenter-current', '');
  await page.keyboard.press('r');
  await chapter.expectTerminal(/^hello from the cell$/m);
  await page.keyboard.press('n');
  await page.keyboard.press('n');
  await expect(chapter.check('always-passes')).toHaveAttribute('data-presenter-current', '');
  await page.keyboard.press('c');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
  await page.keyboard.press('p');
  await expect(chapter.check('said-hello')).toHaveAttribute('data-presenter-current', '');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-presenter', 'on');
  await expect(page.locator('header .lab-presenter-toggle')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.locator('main h1').click();
  await page.keyboard.press('Shift+P');
  await expect(page.locator('html')).not.toHaveAttribute('data-presenter', 'on');
  await page.reload();
  await expect(page.locator('html')).not.toHaveAttribute('data-presenter', 'on');
  // Out of presenter mode the letters are left to the page: N selects nothing.
  await page.locator('main h1').click();
  await page.keyboard.press('n');
  await expect(page.locator('[data-presenter-current]')).toHaveCount(0);
});

test('presenter mode keys are not taken from someone typing in the terminal', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await page.locator('header .lab-presenter-toggle').click();
  await chapter.typeInTerminal('echo nrc-typed');
  await chapter.expectTerminal(/^nrc-typed$/m);
  await expect(page.locator('[data-presenter-current]')).toHaveCount(0);
});
