import { expect, startRunner, test } from './fixtures.ts';

test('a hosted copy pairs with a local runner by the link it prints, and the token leaves the URL', async ({
  page,
  staticHost,
  chapter,
}) => {
  const origin = new URL(staticHost.url).origin;
  const runner = await startRunner(['--allow-origin', origin]);
  try {
    await expect.poll(() => runner.output()).toContain('pairs that tab with this runner');
    const link = new RegExp(`(${origin}/\\S+#runner=\\S+)`).exec(runner.output())?.[1] ?? '';
    expect(link).toContain(`token=${runner.token}`);
    const sentToHost: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(origin)) sentToHost.push(request.url());
    });

    await page.goto(link);
    // The fragment is cleared at once, from the address bar and from the history entry.
    await expect(page).toHaveURL(`${origin}/en/progress/`);
    expect(await page.evaluate(() => sessionStorage.getItem('istio-lab.pairing'))).toContain(
      runner.token,
    );
    await expect(page.getByRole('button', { name: 'Re-verify all' })).toBeVisible();

    // Another page of the hosted book, in the same tab: the terminal and the checks work.
    await page.goto(`${origin}/en/fixture/`);
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    await chapter.run('say-hello');
    await chapter.expectTerminal(/^hello from the cell$/m);
    await chapter.runCheck('always-passes');
    await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
    expect(sentToHost.filter((url) => url.includes(runner.token))).toEqual([]);
  } finally {
    await runner.stop();
  }
});

test('a pairing link that names a machine other than this one is refused and cleared', async ({
  page,
  staticHost,
}) => {
  await page.goto(
    `${staticHost.url}en/fixture/#runner=http://runner.example.org:4321&token=abcdefghijklmnopqrstuvwx`,
  );
  await expect(page).toHaveURL(`${staticHost.url}en/fixture/`);
  await expect(page.locator('lab-runtime .lab-banner[data-kind="absent"]')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('istio-lab.pairing'))).toBeNull();
  // The banner gives the exact command that lets this site use a local runner.
  await expect(page.locator('lab-runtime .lab-runner-command')).toHaveText(
    `npm start -- --allow-origin ${new URL(staticHost.url).origin}`,
  );
});

test('a tab paired with a runner that has since restarted asks to pair again', async ({
  page,
  staticHost,
}) => {
  const origin = new URL(staticHost.url).origin;
  const runner = await startRunner(['--allow-origin', origin]);
  try {
    await page.goto(
      `${origin}/en/fixture/#runner=${encodeURIComponent(runner.local)}&token=${'x'.repeat(32)}`,
    );
    await expect(page.locator('lab-runtime .lab-banner[data-kind="unpaired"]')).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.getItem('istio-lab.pairing'))).toBeNull();
  } finally {
    await runner.stop();
  }
});

test('the very link npm start prints signs this browser in, through the home page', async ({
  page,
  runner,
  chapter,
}) => {
  // The runner file that says it started can be written before its log line reaches the pipe.
  const printed = /Open this link[^\n]*\n\s*(\S+\?token=\S+)/;
  await expect.poll(() => runner.output()).toMatch(printed);
  const link = printed.exec(runner.output())?.[1] ?? '';
  expect(link).toBe(`${runner.url}?token=${runner.token}`);
  await page.goto(link);
  await expect(page).toHaveURL(`${runner.url}en/`);
  await page.goto(`${runner.url}en/fixture/`);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
});
