import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const sidebarLink = (page: Page, href: string) =>
  page.locator(`nav.sidebar a[href="${href}"]`).first();

test('a finished chapter is marked in the sidebar, and the progress page lists every check', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/en/short/');
  await chapter.run('touch-flag');
  await expect(chapter.check('flag-set').locator('.lab-check-verdict')).toHaveText('Passed');
  await expect(sidebarLink(page, '/en/short/')).toHaveAttribute('data-lab-done', 'true');
  await expect(sidebarLink(page, '/en/short/')).toContainText('(finished)');
  await expect(sidebarLink(page, '/en/fixture/')).not.toHaveAttribute('data-lab-done');

  await page.goto(new URL('/en/progress/', runner.url).href);
  const short = page.locator('.lab-report-chapter[data-lab="short"]');
  await expect(short.locator('tr[data-check="flag-set"] .lab-report-status')).toHaveText('Passed');
  await expect(short.locator('.lab-report-count')).toHaveText('1 of 1 check passed');
  await expect(short.getByRole('link', { name: 'Short fixture chapter' })).toHaveAttribute(
    'href',
    '/en/short/',
  );
  const fixture = page.locator('.lab-report-chapter[data-lab="fixture"]');
  await expect(fixture.locator('tr[data-check="never-passes"] .lab-report-status')).toHaveText(
    'Not run yet',
  );
  // The summary of a check is its text in the chapter, linked to the check itself.
  await expect(
    fixture.getByRole('link', { name: 'A check that passes as soon as it runs.' }),
  ).toHaveAttribute('href', '/en/fixture/#check-always-passes');
  // Still there after a reload: progress lives in the runner, not in the page.
  await page.reload();
  await expect(short.locator('tr[data-check="flag-set"] .lab-report-status')).toHaveText('Passed');
  await expect(sidebarLink(page, '/en/short/')).toHaveAttribute('data-lab-done', 'true');
});

test('Re-verify all shows drift: a check that passed before and fails now', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/en/short/');
  await chapter.run('touch-flag');
  await expect(chapter.check('flag-set').locator('.lab-check-verdict')).toHaveText('Passed');
  await page.goto(new URL('/en/fixture/', runner.url).href);
  await chapter.runCheck('always-passes');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
  // The fixture chapter's reset removes the flag the short chapter's check looks at.
  const tools = page.locator('lab-chapter-tools');
  await tools.getByRole('button', { name: 'Reset chapter' }).click();
  await tools.getByRole('dialog').getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(tools.locator('.lab-chapter-state')).toHaveText(/Done · exit 0/);

  await page.goto(new URL('/en/progress/', runner.url).href);
  await page.getByRole('button', { name: 'Re-verify all' }).click();
  await expect(page.locator('.lab-report-verify')).toHaveText(
    'Re-verified 2 checks. 1 check drifted: it passed before and fails now.',
  );
  const flag = page.locator('.lab-report-chapter[data-lab="short"] tr[data-check="flag-set"]');
  await expect(flag).toHaveAttribute('data-state', 'drift');
  await expect(flag.locator('.lab-report-status')).toHaveText(
    'Drifted: passed before, failing now',
  );
  await expect(flag.locator('.lab-report-reason')).toContainText("the check's command exited 1");
  await expect(
    page.locator('.lab-report-chapter[data-lab="fixture"] tr[data-check="always-passes"]'),
  ).toHaveAttribute('data-state', 'pass');
  await page.reload();
  await expect(sidebarLink(page, '/en/short/')).not.toHaveAttribute('data-lab-done');
});

test('without a runner the progress page says where progress lives', async ({
  page,
  staticHost,
}) => {
  await page.goto(new URL('/en/progress/', staticHost.url).href);
  await expect(page.locator('lab-progress-report .lab-banner')).toContainText('npm start');
  await expect(page.getByRole('button', { name: 'Re-verify all' })).toBeHidden();
});
