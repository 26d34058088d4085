import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { startHub } from '../../runner/classroom/hub.ts';
import { type ChapterPage, expect, type Runner, test } from './fixtures.ts';
import { windowSizes } from './widths.ts';

const locales = ['en', 'it', 'zh-cn', 'ru'] as const;
const themes = ['light', 'dark'] as const;

/**
 * Violations that come from Starlight's own components, not the book's: listed by rule and
 * selector, so that a new one of the book's own, or one of these on another element, still fails.
 */
const starlight = [
  // The search button's accessible name is "Search"; its visible text adds the shortcut "Ctrl K".
  { rule: 'label-content-name-mismatch', selector: 'button[data-open-modal=""]' },
];

/**
 * Waits for Expressive Code's script to make each code block that scrolls focusable: it does so
 * a quarter of a second after a block's size settles, so a scan right after a page loads could
 * find a scrolling block that it has not reached yet.
 */
async function codeBlocksSettled(page: Page): Promise<void> {
  await expect
    .poll(() =>
      page.evaluate(() =>
        [...document.querySelectorAll('.expressive-code pre')].every(
          (pre) => pre.scrollWidth <= pre.clientWidth || pre.hasAttribute('tabindex'),
        ),
      ),
    )
    .toBe(true);
}

/** Serious and critical WCAG 2.1 A/AA violations on the page, less Starlight's listed ones. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes
        .map((node) => node.target.join(' '))
        .filter(
          (selector) =>
            !starlight.some((known) => known.rule === violation.id && known.selector === selector),
        )
        .map((selector) => `${violation.id} at ${selector}: ${violation.help}`),
    );
}

for (const theme of themes)
  test(`every kind of page has no serious accessibility violation of the book's own (${theme})`, async ({
    page,
    runner,
    staticHost,
  }) => {
    test.setTimeout(300_000);
    await page.emulateMedia({ colorScheme: theme });
    const hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined });
    try {
      const found: string[] = [];
      const scan = async (label: string) => {
        if (!label.startsWith('hub'))
          await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        await codeBlocksSettled(page);
        found.push(...(await violations(page)).map((line) => `${label}: ${line}`));
      };
      for (const locale of locales) {
        // The read-only book, as a hosted copy serves it.
        for (const path of [`/${locale}/`, `/${locale}/cluster/`]) {
          await page.goto(new URL(path, staticHost.url).href);
          if (path.endsWith('/cluster/'))
            await expect(page.locator('html')).toHaveAttribute('data-lab-runner', 'absent');
          await scan(`${path} (read-only)`);
        }
        // With a runner: a chapter with the dock open, the progress page, the Doctor.
        await runner.signIn(page, `/${locale}/fixture/`);
        await expect(page.locator('lab-dock .lab-dock-terminal .xterm')).toBeVisible();
        await scan(`/${locale}/fixture/ (runner, dock open)`);
        for (const path of [`/${locale}/progress/`, `/${locale}/doctor/`]) {
          await page.goto(new URL(path, runner.url).href);
          await expect(page.locator('[data-when="connected"], .lab-report').first()).toBeVisible();
          await scan(`${path} (runner)`);
        }
        // The instructor's table.
        const hubLang = locale === 'zh-cn' ? 'zh-CN' : locale;
        await page.goto(`${hub.view}#token=${hub.viewToken}`);
        await page.goto(`${hub.view}?lang=${hubLang}`);
        await expect(page.locator('table, main').first()).toBeVisible();
        await scan(`hub (${hubLang})`);
      }
      expect(found).toEqual([]);
    } finally {
      await hub.close();
    }
  });

for (const size of windowSizes)
  test(`at ${size.width}×${size.height} the chapter and the progress page have no serious accessibility violation of the book's own`, async ({
    page,
    runner,
  }) => {
    await page.setViewportSize(size);
    await runner.signIn(page, '/en/fixture/');
    await expect(page.locator('lab-dock .lab-dock-terminal .xterm')).toBeVisible();
    await codeBlocksSettled(page);
    const found = (await violations(page)).map((line) => `chapter: ${line}`);
    await page.goto(new URL('/en/progress/', runner.url).href);
    await expect(page.locator('.lab-report-bar')).toBeVisible();
    found.push(...(await violations(page)).map((line) => `progress: ${line}`));
    expect(found).toEqual([]);
  });

for (const size of windowSizes)
  test(`at ${size.width}×${size.height} the whole lab works by keyboard alone: Run, Check, Catch up, dock resize and collapse`, async ({
    page,
    runner,
    chapter,
  }) => {
    await page.setViewportSize(size);
    await keyboardWalk(page, runner, chapter);
  });

async function keyboardWalk(page: Page, runner: Runner, chapter: ChapterPage): Promise<void> {
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');

  /** Tabs forward from where focus is until `target` has it; fails if it never does. */
  const tabTo = async (target: ReturnType<Page['locator']>, most = 80) => {
    for (let i = 0; i < most; i++) {
      if (await target.evaluate((element) => element === document.activeElement)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${target.toString()}`);
  };
  await page.locator('body').click({ position: { x: 1, y: 1 } });

  const catchUp = page.locator('lab-chapter-tools').getByRole('button', { name: 'Catch up' });
  await tabTo(catchUp);
  await page.keyboard.press('Enter');
  await expect(page.locator('lab-chapter-tools .lab-chapter-state')).toHaveText(/^Ready:/, {
    timeout: 30_000,
  });

  const run = chapter.cell('say-hello').getByRole('button', { name: 'Run' });
  await tabTo(run);
  await page.keyboard.press('Enter');
  await expect(chapter.cell('say-hello').locator('.lab-cell-state')).toHaveText(/Done · exit 0/);

  const check = chapter.check('always-passes').getByRole('button', { name: 'Check my step' });
  await tabTo(check);
  await page.keyboard.press('Space');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');

  const dock = page.locator('lab-dock');
  const handle = dock.getByRole('separator', { name: 'Resize terminal' });
  await tabTo(handle, 200);
  const before = Number(await handle.getAttribute('aria-valuenow'));
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect
    .poll(async () => Number(await handle.getAttribute('aria-valuenow')))
    .toBe(before + 48);

  // The terminal takes Tab for the shell's completion; Shift+Tab leaves it.
  await dock.locator('.xterm-helper-textarea').focus();
  await page.keyboard.press('Shift+Tab');
  expect(
    await dock
      .locator('.xterm-helper-textarea')
      .evaluate((area) => area === document.activeElement),
  ).toBe(false);

  const collapse = dock.getByRole('button', { name: 'Hide terminal' });
  await tabTo(collapse);
  await page.keyboard.press('Enter');
  await expect(dock).toHaveAttribute('collapsed', '');
  await expect(dock.getByRole('button', { name: 'Show terminal' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dock).not.toHaveAttribute('collapsed', '');
}

test("the terminal offers xterm's screen-reader mode from a visible control, remembered", async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/en/fixture/');
  const dock = page.locator('lab-dock');
  const reader = dock.getByRole('button', { name: 'Screen reader' });
  await expect(reader).toBeVisible();
  await expect(reader).toHaveAttribute('aria-pressed', 'false');
  await expect(dock.locator('.xterm-accessibility-tree')).toHaveCount(0);
  await reader.click();
  await expect(reader).toHaveAttribute('aria-pressed', 'true');
  await chapter.run('say-hello');
  // The rows a screen reader reads hold the terminal's text.
  await expect(dock.locator('.xterm-accessibility-tree')).toContainText('hello from the cell');
  await page.reload();
  await expect(dock.getByRole('button', { name: 'Screen reader' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(dock.locator('.xterm-accessibility-tree')).toHaveCount(1);
});
