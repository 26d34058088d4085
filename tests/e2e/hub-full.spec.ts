import { startHub, type RunningHub } from '../../runner/classroom/hub.ts';
import { expect, startRunner, test, type Runner } from './fixtures.ts';

/**
 * A learner whose runner reports to a full classroom hub reads so on the book's chapters, in the
 * page's language, with what to do: ask the instructor.
 */
test.describe("a learner's page and the classroom hub", () => {
  let hub: RunningHub;
  let learner: Runner | undefined;

  test.beforeEach(async () => {
    hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined, capacity: 1 });
  });
  test.afterEach(async () => {
    await learner?.stop();
    learner = undefined;
    await hub.close();
  });

  test('says that the hub is full and to ask the instructor', async ({ page }) => {
    const first = await fetch(new URL(`/join/${hub.joinToken}/report`, hub.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', learner: 'ada-learner-00000001', results: [] }),
    });
    expect(first.status).toBe(204);
    learner = await startRunner([
      '--report-to',
      `http://127.0.0.1:${hub.port}/join/${hub.joinToken}`,
      '--name',
      'Bo',
    ]);
    const runner = learner;
    await expect.poll(() => runner.output()).toContain('the hub is full');

    await runner.signIn(page, '/en/fixture/');
    const banner = page.locator('lab-runtime [data-kind="hub"]');
    await expect(banner).toBeVisible();
    await expect(banner).toHaveRole('status');
    await expect(banner).toHaveText(
      /^The classroom hub is full: .* Ask the instructor to make room\./,
    );

    await page.goto(new URL('/ru/fixture/', runner.url).href);
    await expect(banner).toHaveText(
      /^Хаб группы заполнен: .* Попросите преподавателя освободить место\./,
    );
  });

  test('says nothing of a hub that takes the reports', async ({ page }) => {
    learner = await startRunner([
      '--report-to',
      `http://127.0.0.1:${hub.port}/join/${hub.joinToken}`,
      '--name',
      'Ada',
    ]);
    await expect.poll(() => hub.learners.size).toBe(1);
    await learner.signIn(page, '/en/fixture/');
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    const banner = page.locator('lab-runtime [data-kind="hub"]');
    await expect(banner).toBeHidden();
    // Hidden by being empty, not by the attribute: the live region stays for a later text.
    await expect(banner).toHaveRole('status');
    await expect(banner).not.toHaveAttribute('hidden');
    await expect(banner).toBeEmpty();
  });
});

test('says that the hub cannot save results yet and that they are sent again', async ({
  page,
  runner,
}) => {
  // The runner's health as one whose hub answered 503 hub-not-saved carries it.
  await page.route('**/api/health', (route) =>
    route.fulfill({
      json: { ok: true, version: 'test', protocol: 1, hub: { status: 'not-saved' } },
    }),
  );
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-runtime [data-kind="hub"]')).toHaveText(
    /^The classroom hub cannot save your check results right now\. Your runner keeps them and sends them again/,
  );
});
