import { expect, test } from './fixtures.ts';

const chapterPath = '/en/fixture/';

test('with WebGL only in software the dock draws with the DOM, and says why', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  const dock = page.locator('lab-dock');
  await expect(dock.locator('.lab-dock-status')).toHaveText('Connected');
  // This Chromium runs with --disable-gpu: WebGL, if any, is SwiftShader on the CPU.
  await expect(dock).toHaveAttribute('data-renderer', 'dom');
  await expect(dock).toHaveAttribute('data-renderer-reason', 'software');
  await chapter.run('say-hello');
  await expect(dock.locator('.xterm-rows')).toContainText('hello from the cell');
});

test('a learner can choose WebGL; when its context is lost the dock goes on with the DOM', async ({
  page,
  runner,
  chapter,
}) => {
  await page.addInitScript(() => localStorage.setItem('istio-lab.dock.renderer', 'webgl'));
  await runner.signIn(page, chapterPath);
  const dock = page.locator('lab-dock');
  await expect(dock.locator('.lab-dock-status')).toHaveText('Connected');
  await expect(dock).toHaveAttribute('data-renderer', 'webgl');
  await expect(dock).toHaveAttribute('data-renderer-reason', 'chosen');
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
  // WebGL draws on a canvas: the DOM renderer's rows are gone.
  await expect(dock.locator('.xterm-screen canvas').first()).toBeAttached();
  await expect(dock.locator('.xterm-rows')).toHaveCount(0);

  await page.evaluate(() => {
    for (const canvas of document.querySelectorAll('lab-dock .xterm-screen canvas')) {
      const gl = (canvas as HTMLCanvasElement).getContext('webgl2');
      gl?.getExtension('WEBGL_lose_context')?.loseContext();
    }
  });
  // xterm waits a few seconds for the context to come back before it gives up on it.
  await expect(dock).toHaveAttribute('data-renderer-reason', 'contextLost', { timeout: 10_000 });
  await expect(dock).toHaveAttribute('data-renderer', 'dom');
  await expect(dock.locator('.xterm-rows')).toContainText('hello from the cell');
  await chapter.run('say-hello');
  await expect(dock.locator('.xterm-rows')).toContainText(
    /hello from the cell[\s\S]*hello from the cell/,
  );
});
