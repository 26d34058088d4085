// Regenerates docs/images/chapter-with-terminal.png, the README's picture: the "Create your
// cluster" chapter with the terminal open after running a cell that needs no cluster.
// Usage: npm run build && node scripts/readme-screenshot.ts
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRunner } from '../tests/e2e/fixtures.ts';

const out = fileURLToPath(new URL('../docs/images/chapter-with-terminal.png', import.meta.url));
const runner = await startRunner([], fileURLToPath(new URL('../dist', import.meta.url)));
const executablePath = existsSync(chromium.executablePath()) ? undefined : '/usr/bin/chromium';
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${runner.url}en/cluster/?token=${runner.token}`);
  await page.locator('lab-dock .lab-dock-status', { hasText: 'Connected' }).waitFor();
  const cell = page.locator('lab-cell[data-cell="write-kind-config"]');
  await cell.scrollIntoViewIfNeeded();
  await cell.getByRole('button', { name: 'Run' }).click();
  await cell.locator('.lab-cell-state', { hasText: 'exit 0' }).waitFor();
  await page.evaluate(() => window.scrollBy(0, -120));
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await runner.stop();
}
