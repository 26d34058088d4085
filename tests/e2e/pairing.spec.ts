import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    // Kept once the runner has accepted the token.
    await expect
      .poll(() => page.evaluate(() => sessionStorage.getItem('istio-lab.pairing')))
      .toContain(runner.token);
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

/** Another program listening on loopback, as a fake runner would: it records who came by. */
async function stranger(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'Authorization',
      'Content-Type': 'application/json',
    });
    response.end('{"ok":true,"version":"0.1.0","protocol":1}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test("the runner's own pages pair with no other runner, whatever a link says", async ({
  page,
  runner,
  chapter,
}) => {
  const other = await stranger();
  try {
    await runner.signIn(page, '/en/progress/');
    await page.goto(`${runner.url}en/fixture/#runner=${other.url}&token=${'s'.repeat(32)}`);
    await expect(page).toHaveURL(`${runner.url}en/fixture/`);
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    await chapter.run('say-hello');
    await chapter.expectTerminal(/^hello from the cell$/m);
    expect(other.requests).toEqual([]);
    expect(
      await page.evaluate(() => [
        sessionStorage.getItem('istio-lab.pairing'),
        sessionStorage.getItem('istio-lab.pairing.offered'),
      ]),
    ).toEqual([null, null]);
  } finally {
    await other.close();
  }
});

test('a hosted copy asks before it pairs with a runner other than the one it paired with, and names it', async ({
  page,
  staticHost,
}) => {
  const origin = new URL(staticHost.url).origin;
  const runner = await startRunner(['--allow-origin', origin]);
  const other = await stranger();
  try {
    await page.goto(`${origin}/en/progress/#runner=${runner.local}&token=${runner.token}`);
    await expect(page.getByRole('button', { name: 'Re-verify all' })).toBeVisible();
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${origin}/en/fixture/#runner=${other.url}&token=${'s'.repeat(32)}`);
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain(other.url);
    expect(asked[0]).toContain(new URL(runner.local).origin);
    // Declined: the tab stays with its runner, and the other address is never asked anything.
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
    expect(other.requests).toEqual([]);

    page.removeAllListeners('dialog');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.goto(`${origin}/en/progress/#runner=${other.url}&token=${'s'.repeat(32)}`);
    await expect.poll(() => other.requests.length).toBeGreaterThan(0);
  } finally {
    await other.close();
    await runner.stop();
  }
});

test('a link with a wrong token does not sign the learner out', async ({ page, runner }) => {
  await runner.signIn(page, '/en/fixture/');
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  // Anyone can send a link with a token of the right shape.
  await page.goto(`${runner.url}en/progress/#token=${'g'.repeat(32)}`);
  await expect(page).toHaveURL(`${runner.url}en/progress/`);
  await page.goto(`${runner.url}en/fixture/`);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  expect(await page.evaluate(() => localStorage.getItem('istio-lab.token'))).toBe(runner.token);
});
