import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** Has the page's `GET /api/health` answered as a runner that speaks `protocol` would. */
async function runnerSpeaks(page: Page, protocol: number): Promise<void> {
  await page.route('**/api/health', (route) =>
    route.fulfill({ json: { ok: true, version: 'other', protocol } }),
  );
}

test('a cell finishes when the runner adds fields and message types this page does not know', async ({
  page,
  runner,
  chapter,
}) => {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  // A newer runner, played by the real one with a field added to every message and a message
  // of a type this page has never heard of before each.
  await page.routeWebSocket(/\/api\/terminal/, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((frame) => {
      if (typeof frame === 'string') {
        socket.send(JSON.stringify({ type: 'telemetry', load: 0.5 }));
        socket.send(JSON.stringify({ ...(JSON.parse(frame) as object), traceId: 'abc' }));
      } else socket.send(frame);
    });
  });
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
  await expect(chapter.cell('say-hello').locator('.lab-cell-state')).toHaveText(/Done · exit 0/);
  expect(warnings.filter((text) => text.includes('"telemetry"'))).toHaveLength(1);
  await expect(page.locator('lab-runtime [data-kind="protocol"]')).toBeHidden();
});

test('the page says plainly that the runner is too old, with the command that updates it', async ({
  page,
  runner,
}) => {
  await runnerSpeaks(page, 0);
  await runner.signIn(page, '/en/fixture/');
  const banner = page.locator('lab-runtime [data-kind="protocol"]');
  await expect(banner).toContainText('Your runner is older than this page');
  await expect(banner).toContainText('version 0');
  await expect(banner.locator('pre')).toHaveText('git pull && npm install && npm start');
});

test('the page says plainly that the runner is newer, with a link to its own copy of the page', async ({
  page,
  runner,
}) => {
  await runnerSpeaks(page, 99);
  await runner.signIn(page, '/ru/fixture/');
  const banner = page.locator('lab-runtime [data-kind="protocol"]');
  await expect(banner).toContainText('Ваш раннер новее этой копии книги');
  await expect(banner.getByRole('link')).toHaveAttribute(
    'href',
    new URL('/ru/fixture/', runner.url).href,
  );
});
