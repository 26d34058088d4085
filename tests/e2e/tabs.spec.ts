import { ChapterPage, expect, test } from './fixtures.ts';

test("a check's whole verdict reaches every tab, and a page reloaded while it polled", async ({
  page,
  context,
  runner,
  chapter,
}) => {
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  const other = await context.newPage();
  const otherChapter = new ChapterPage(other);
  await other.goto(new URL('/en/fixture/', runner.url).href);
  await expect(other.locator('lab-dock .lab-dock-status')).toHaveText('Connected');

  // A failure, with its reason and cause, in the tab that asked and in the other.
  await otherChapter.runCheck('never-passes');
  for (const tab of [otherChapter, chapter]) {
    const check = tab.check('never-passes');
    await expect(check.locator('.lab-check-verdict')).toHaveText('Not yet', { timeout: 30_000 });
    await expect(check.locator('.lab-check-reason')).toContainText('expected the output');
  }
  // A pass, and the header's count with it.
  await chapter.runCheck('always-passes');
  for (const tab of [chapter, otherChapter]) {
    await expect(tab.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
    await expect(tab.page.locator('lab-runtime .lab-progress')).toContainText('1 of');
  }

  // A page reloaded while a check polls shows the verdict when the check ends.
  await chapter.runCheck('marker-exists');
  await expect(chapter.check('marker-exists').locator('.lab-check-verdict')).toHaveText(/attempt/i);
  await other.reload();
  await expect(otherChapter.check('marker-exists').locator('.lab-check-verdict')).toHaveText(
    'Not yet',
    { timeout: 60_000 },
  );
  await expect(otherChapter.check('marker-exists').locator('.lab-check-reason')).not.toBeEmpty();
});
