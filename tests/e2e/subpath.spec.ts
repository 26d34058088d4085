import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { subpathBase, subpathRepository, subpathSite } from '../../scripts/build-test-book.ts';
import { startStaticHost } from '../servers.ts';
import { expect, root, startRunner, test } from './fixtures.ts';
import { brokenLinks } from './links.ts';

/**
 * The book published under a sub-path, as a GitHub Pages project site publishes it: built by
 * `npm run build:test` with Astro's own `--base` and `--site` into dist-subpath, and served here
 * by a static host that has nothing outside that path.
 */
const dist = join(root, 'dist-subpath');

/** Every request the page makes to its own host, to prove none leaves the base path. */
function watchHost(page: Page, origin: string): { outside: string[]; failed: string[] } {
  const seen = { outside: [] as string[], failed: [] as string[] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && !url.pathname.startsWith(subpathBase)) seen.outside.push(url.href);
  });
  page.on('response', (response) => {
    if (response.url().startsWith(origin) && response.status() >= 400)
      seen.failed.push(`${response.status()} ${response.url()}`);
  });
  return seen;
}

test('the sub-path build links, and names its canonical pages, only under its base', () => {
  expect(existsSync(dist), 'run npm run build:test first').toBe(true);
  expect(brokenLinks(dist, subpathBase)).toEqual([]);
  const page = readFileSync(join(dist, 'en/fixture/index.html'), 'utf8');
  expect(page).toContain(`<link rel="canonical" href="${subpathSite}${subpathBase}en/fixture/"`);
  expect(readFileSync(join(dist, 'sitemap-0.xml'), 'utf8')).toContain(
    `<loc>${subpathSite}${subpathBase}en/cluster/</loc>`,
  );
});

test('under a sub-path, the home redirects into the book and a chapter reads as a book', async ({
  page,
  chapter,
}) => {
  const host = await startStaticHost(dist, subpathBase);
  try {
    const origin = new URL(host.url).origin;
    const seen = watchHost(page, origin);
    await page.goto(host.url);
    await expect(page).toHaveURL(`${host.url}en/`);

    await page.goto(`${host.url}en/fixture/`);
    await expect(page.locator('lab-runtime .lab-banner[data-kind="absent"]')).toBeVisible();
    // The command it offers names this book's folder, where the runner's pairing link must lead.
    await expect(page.locator('lab-runtime .lab-runner-command')).toHaveText(
      `npm start -- --allow-origin ${host.url}`,
    );
    // And where to get the book's folder: the repository this copy was built from.
    await expect(page.locator('lab-runtime .lab-runner-source').getByRole('link')).toHaveAttribute(
      'href',
      `${subpathRepository.server}/${subpathRepository.name}`,
    );
    await expect(chapter.cell('say-hello').getByRole('button', { name: 'Copy' })).toBeVisible();
    await expect(page.locator('lab-dock')).toHaveCount(0);

    // Diagrams, the sidebar and search all stay under the base.
    await page.goto(`${host.url}en/architecture/`);
    const diagrams = page.locator('main img[src$=".svg"]');
    await expect(diagrams.first()).toBeVisible();
    for (const diagram of await diagrams.all()) {
      // Lazy images load once scrolled to.
      await diagram.scrollIntoViewIfNeeded();
      await expect
        .poll(() => diagram.evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
    }
    await page.locator('site-search button').first().click();
    await page.locator('site-search input').fill('istiod');
    const result = page.locator('.pagefind-ui__result-link').first();
    await expect(result).toBeVisible();
    await expect(result).toHaveAttribute('href', new RegExp(`^${subpathBase}en/`));
    await result.click();
    await expect(page).toHaveURL(new RegExp(`^${host.url}en/`));
    await page.keyboard.press('Escape');
    await page.getByRole('navigation').getByRole('link', { name: 'Create your cluster' }).click();
    await expect(page).toHaveURL(`${host.url}en/cluster/`);

    expect(seen.outside).toEqual([]);
    expect(seen.failed).toEqual([]);
  } finally {
    await host.close();
  }
});

test('a copy hosted under a sub-path pairs with a local runner by the link it prints', async ({
  page,
  chapter,
}) => {
  const host = await startStaticHost(dist, subpathBase);
  const runner = await startRunner(['--allow-origin', host.url]);
  try {
    const origin = new URL(host.url).origin;
    const seen = watchHost(page, origin);
    await expect.poll(() => runner.output()).toContain('pairs that tab with this runner');
    const link = /(http:\S+#runner=\S+)/.exec(runner.output())?.[1] ?? '';
    expect(link.startsWith(`${host.url}en/progress/#`), link).toBe(true);

    await page.goto(link);
    await expect(page).toHaveURL(`${host.url}en/progress/`);
    await expect(page.getByRole('button', { name: 'Re-verify all' })).toBeVisible();
    // The progress page's chapter links lead into the book, under its base.
    await expect(page.locator('.lab-report-chapter h2 a').first()).toHaveAttribute(
      'href',
      new RegExp(`^${subpathBase}en/`),
    );

    await page.goto(`${host.url}en/fixture/`);
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    await chapter.run('say-hello');
    await chapter.expectTerminal(/^hello from the cell$/m);
    await chapter.runCheck('always-passes');
    await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
    expect(seen.outside).toEqual([]);
  } finally {
    await runner.stop();
    await host.close();
  }
});
