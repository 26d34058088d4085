import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { subpathBase } from '../../scripts/build-test-book.ts';
import { startStaticHost } from '../servers.ts';
import { expect, root, test } from './fixtures.ts';

/**
 * From a chapter, the site's title leads to the home page, which lists the chapters in order and
 * whose first button opens chapter 1; `book` is where the book's English pages start.
 */
async function clickThrough(page: Page, book: string): Promise<void> {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await page.locator('a.site-title').click();
  await expect(page).toHaveURL(`${book}en/`);
  const chapters = page.locator('.lab-chapter-list li');
  await expect(chapters.first()).toContainText('How Istio works');
  await expect(chapters.nth(1)).toContainText('Create your cluster');
  expect(await chapters.count()).toBeGreaterThanOrEqual(12);
  for (const href of await chapters
    .locator('a')
    .evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href)))
    expect(href.startsWith(`${book}en/`), href).toBe(true);
  await page.getByRole('link', { name: 'Start with chapter 1' }).click();
  await expect(page).toHaveURL(`${book}en/architecture/`);
  await expect(page.locator('h1#_top')).toHaveText('How Istio works');
  expect(failed).toEqual([]);
}

test('on the runner, the title leads home, and home lists the chapters and starts with chapter 1', async ({
  page,
  runner,
}) => {
  await runner.signIn(page, '/en/fixture/');
  await clickThrough(page, runner.url);
});

test('under a sub-path, the title leads home, and home starts with chapter 1', async ({ page }) => {
  const host = await startStaticHost(join(root, 'dist-subpath'), subpathBase);
  try {
    await page.goto(`${host.url}en/fixture/`);
    await clickThrough(page, host.url);
  } finally {
    await host.close();
  }
});

test('the home page lists the chapters in its own language', async ({ page, staticHost }) => {
  await page.goto(new URL('/ru/', staticHost.url).href);
  const list = page.locator('.lab-chapter-list');
  await expect(list.getByRole('heading')).toHaveText('Главы книги');
  await expect(list.locator('li').first().locator('a')).toHaveAttribute(
    'href',
    '/ru/architecture/',
  );
  await page.getByRole('link', { name: 'Начать с главы 1' }).click();
  await expect(page).toHaveURL(new URL('/ru/architecture/', staticHost.url).href);
});
