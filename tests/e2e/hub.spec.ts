import { startHub, type RunningHub } from '../../runner/classroom/hub.ts';
import { expect, startRunner, test, type Runner } from './fixtures.ts';

/**
 * The instructor's table in a real browser: signed in by the printed link, it shows a learner
 * who joins, then that learner stuck on a failing check, live, without a reload.
 */
test.describe('instructor hub', () => {
  let hub: RunningHub;
  let learner: Runner | undefined;

  test.beforeEach(async () => {
    hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined });
  });
  test.afterEach(async () => {
    await learner?.stop();
    learner = undefined;
    await hub.close();
  });

  test('shows a learner joining and getting stuck, live, in the chosen language', async ({
    page,
  }) => {
    await page.goto(`${hub.url}?token=${hub.viewToken}`);
    await expect(page).toHaveURL(hub.url);
    await expect(page.getByRole('heading', { name: 'Classroom progress' })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Live');
    await expect(page.getByText('No learner has joined yet.', { exact: false })).toBeVisible();

    const name = '<img src=x onerror=alert(1)> Ada';
    learner = await startRunner([
      '--report-to',
      `http://127.0.0.1:${hub.port}/join/${hub.joinToken}`,
      '--name',
      name,
    ]);
    const row = page.getByRole('row', { name: /Ada/ });
    await expect(row.getByRole('cell').first()).toHaveText(name);
    await expect(page.getByText('1 learner, 0 stuck')).toBeVisible();

    const check = await fetch(new URL('api/checks/fixture/never-passes', learner.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${learner.token}` },
    });
    expect(check.status).toBe(200);
    await expect(row).toContainText('never-passes: failed');
    await expect(row).toContainText('stuck on never-passes for under a minute');
    await expect(page.getByText('1 learner, 1 stuck')).toBeVisible();
    await expect(page.locator('img')).toHaveCount(0);

    await page
      .getByRole('navigation', { name: 'Language' })
      .getByRole('link', { name: 'Русский' })
      .click();
    await expect(page.getByRole('heading', { name: 'Прогресс группы' })).toBeVisible();
    await expect(page.getByRole('row', { name: /Ada/ })).toContainText(
      'never-passes не проходит меньше минуты',
    );
  });

  test('refuses the table to a browser without the view link', async ({ page }) => {
    const answer = await page.goto(hub.url);
    expect(answer?.status()).toBe(401);
    await expect(page.getByRole('table')).toHaveCount(0);
  });
});
