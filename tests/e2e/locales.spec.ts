import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { langOf } from '../../src/lib/ui-strings.ts';
import { expect, root, test, testDist } from './fixtures.ts';

const locales = [
  { locale: 'en', lang: 'en' },
  { locale: 'it', lang: 'it' },
  { locale: 'zh-cn', lang: 'zh-CN' },
  { locale: 'ru', lang: 'ru' },
] as const;

const strings = (locale: string) =>
  JSON.parse(
    readFileSync(
      join(root, `src/content/i18n/${langOf[locale as keyof typeof langOf]}.json`),
      'utf8',
    ),
  ) as Record<string, string>;

/**
 * Characters of the page's text that the browser draws as the missing-glyph box ("tofu"): each
 * is drawn on a canvas in the text's own font and compared with a code point no font has.
 */
function tofu(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const element = document.querySelector(selector);
    if (!element) return ['(no element)'];
    const font = `32px ${getComputedStyle(element).fontFamily}`;
    const draw = (text: string) => {
      const canvas = document.createElement('canvas');
      canvas.width = 48;
      canvas.height = 48;
      const context = canvas.getContext('2d');
      if (!context) return '';
      context.font = font;
      context.fillText(text, 4, 36);
      return canvas.toDataURL();
    };
    const missing = draw('\u{10FFFD}');
    const characters = [
      ...new Set([...(element.textContent ?? '')].filter((c) => c.charCodeAt(0) > 0x2ff)),
    ].slice(0, 40);
    return characters.filter((character) => draw(character) === missing);
  }, selector);
}

for (const { locale, lang } of locales) {
  test(`${locale}: lang attribute, UI in the language, glyphs drawn by a font that has them`, async ({
    page,
    runner,
    chapter,
  }) => {
    const ui = strings(locale);
    await runner.signIn(page, `/${locale}/fixture/`);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.locator('lab-dock .lab-dock-title')).toHaveText(ui['lab.dock.title'] ?? '');
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText(
      ui['lab.dock.connected'] ?? '',
    );
    await expect(
      chapter
        .cell('say-hello')
        .getByRole('button', { name: ui['lab.cell.run'] ?? '', exact: true }),
    ).toBeVisible();
    await expect(
      chapter.check('always-passes').getByRole('button', { name: ui['lab.check.button'] ?? '' }),
    ).toBeVisible();
    await chapter
      .check('always-passes')
      .getByRole('button', { name: ui['lab.check.button'] ?? '' })
      .click();
    await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText(
      ui['lab.check.pass'] ?? '',
    );
    await expect(page.locator('.lab-progress')).toContainText(/1/);

    await page.goto(new URL(`/${locale}/`, runner.url).href);
    expect(await tofu(page, 'main')).toEqual([]);
  });
}

test('the chapter header counts passed checks, in Russian plural forms, across reloads', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/ru/fixture/');
  const total = await page.locator('lab-check').count();
  await expect(page.locator('.lab-progress')).toHaveText(`Пройдено 0 из ${total} проверок`);
  await chapter.check('always-passes').getByRole('button', { name: 'Проверить шаг' }).click();
  await expect(page.locator('.lab-progress')).toHaveText(`Пройдено 1 из ${total} проверок`);
  await page.reload();
  await expect(page.locator('.lab-progress')).toHaveText(`Пройдено 1 из ${total} проверок`);
});

test('the language switcher keeps the reader on the same chapter', async ({ page, staticHost }) => {
  await page.goto(new URL('/en/cluster/', staticHost.url).href);
  await page
    .getByRole('combobox', { name: /language/i })
    .first()
    .selectOption({ label: '简体中文' });
  await expect(page).toHaveURL(/\/zh-cn\/cluster\/$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});

for (const [locale, word] of [
  ['it', 'cluster'],
  ['zh-cn', '运行器'],
  ['ru', 'раннер'],
] as const) {
  test(`search finds words in ${locale}`, async ({ page, staticHost }) => {
    await page.goto(new URL(`/${locale}/`, staticHost.url).href);
    await page.locator('site-search button').first().click();
    await page.locator('site-search input').fill(word);
    await expect(page.locator('.pagefind-ui__result-link').first()).toBeVisible();
    await expect(page.locator('.pagefind-ui__result-link').first()).toHaveAttribute(
      'href',
      new RegExp(`^/${locale}/`),
    );
  });
}

test("the home page's title names the book once, in every language", async ({
  page,
  staticHost,
}) => {
  for (const { locale } of locales) {
    await page.goto(new URL(`/${locale}/`, staticHost.url).href);
    const title = await page.title();
    expect(title.split('Istio Lab Book').length - 1, title).toBe(1);
    expect(title.length, title).toBeGreaterThan('Istio Lab Book'.length);
  }
});

test('the header pickers show their whole labels in every language', async ({
  page,
  staticHost,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const { locale } of locales) {
    await page.goto(new URL(`/${locale}/cluster/`, staticHost.url).href);
    for (const picker of ['starlight-lang-select', 'starlight-theme-select']) {
      const select = page.locator(`header ${picker} select`).first();
      // Every option, chosen in turn, fits: the text is never cut with an ellipsis.
      const cut = await select.evaluate((element: HTMLSelectElement) => {
        const chosen = element.selectedIndex;
        const cutOff: string[] = [];
        for (const option of [...element.options]) {
          element.selectedIndex = option.index;
          const style = getComputedStyle(element);
          const probe = document.createElement('span');
          probe.textContent = option.text;
          probe.style.font = style.font;
          probe.style.position = 'absolute';
          probe.style.whiteSpace = 'pre';
          document.body.append(probe);
          const room =
            element.clientWidth -
            parseFloat(style.paddingInlineStart) -
            parseFloat(style.paddingInlineEnd);
          if (probe.getBoundingClientRect().width > room + 0.5) cutOff.push(option.text);
          probe.remove();
        }
        element.selectedIndex = chosen;
        return cutOff;
      });
      expect(cut, `${locale} ${picker}`).toEqual([]);
    }
  }
});

test('search speaks the page language and finds prose and code, not buttons', async ({
  page,
  staticHost,
}) => {
  const search = async (locale: string, term: string) => {
    await page.goto(new URL(`/${locale}/traffic/`, staticHost.url).href);
    await page.locator('site-search button[data-open-modal]').click();
    const dialog = page.locator('site-search dialog');
    await dialog.locator('input').fill(term);
    const message = dialog.locator('.pagefind-ui__message');
    await expect(message).not.toHaveText(/^$|…|\.\.\.$/);
    return (await message.textContent()) ?? '';
  };
  // The count line in each language: none of English's words.
  for (const { locale, term } of [
    { locale: 'zh-cn', term: '虚拟服务' },
    { locale: 'it', term: 'VirtualService' },
    { locale: 'ru', term: 'VirtualService' },
  ]) {
    const said = await search(locale, term);
    expect(said, locale).not.toMatch(/\b(results?|for)\b/);
  }
  // Code in cells is found.
  expect(await search('en', 'weight')).toMatch(/results? for/);
});

test('the search index holds prose and code, not the labels of buttons, states and dialogs', () => {
  const folder = join(testDist, 'pagefind/fragment');
  const pages = readdirSync(folder).map((name) => {
    // A fragment is gzip of "pagefind_dcd" followed by the page's JSON.
    const fragment = JSON.parse(
      gunzipSync(readFileSync(join(folder, name)))
        .subarray('pagefind_dcd'.length)
        .toString(),
    ) as { url: string; content: string };
    return fragment;
  });
  const chapter = pages.find((fragment) => fragment.url === '/en/traffic/');
  expect(chapter?.content).toContain('kubectl');
  for (const { locale } of locales) {
    const table = strings(locale);
    const labels = [
      'lab.cell.state.idle',
      'lab.cell.sampleOutput',
      'lab.check.byHand',
      'lab.check.output',
      'lab.chapter.resetConfirm',
      'lab.runner.absent',
    ].map((key) => table[key] ?? key);
    for (const fragment of pages.filter((page) => page.url.startsWith(`/${locale}/`))) {
      // A label the page's own prose also says (a sentence about the sample output) may stay.
      const slug = fragment.url.split('/')[2] || 'index';
      let prose = '';
      try {
        prose = readFileSync(join(root, `src/content/docs/${locale}/${slug}.mdx`), 'utf8');
      } catch {
        // A test-only page: no prose of its own to compare with.
      }
      for (const label of labels.filter((text) => !prose.includes(text)))
        expect(fragment.content, `${fragment.url} indexes "${label}"`).not.toContain(label);
    }
  }
});
