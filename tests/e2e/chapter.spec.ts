import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, root, startRunner, test } from './fixtures.ts';

const chapterPath = '/en/fixture/';

test('Run pastes the cell into the docked terminal and shows its exit code', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
  await expect(chapter.cell('say-hello').locator('.lab-cell-state')).toHaveText(/Done · exit 0/);

  await chapter.run('fail-on-purpose');
  await expect(chapter.cell('fail-on-purpose').locator('.lab-cell-state')).toHaveText(
    /Failed · exit 3/,
  );

  await chapter.run('heredoc');
  await chapter.expectTerminal(/^line one\nline two$/m);
  await expect(chapter.cell('heredoc').locator('.lab-cell-state')).toHaveText(/exit 0/);
});

test('a cell taller than the dock shows exactly its text; the up arrow recalls one line', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  const rows = await page.locator('lab-dock .xterm-rows > div').count();
  const body = Array.from(
    { length: 15 },
    (_, i) => `line ${String(i + 1).padStart(2, '0')} of a heredoc taller than the docked terminal`,
  );
  expect(body.length + 2, 'the cell is taller than the dock').toBeGreaterThan(rows);
  await chapter.run('long-heredoc');
  await expect(chapter.cell('long-heredoc').locator('.lab-cell-state')).toHaveText(/exit 0/);
  const cell = ["cat <<'EOF'", ...body, 'EOF'].join('\n');
  // The text as the book shows it, line for line, then what it printed.
  expect(await chapter.terminalText()).toContain(`${cell}\n${body.join('\n')}\n`);

  await page.locator('lab-dock .xterm-helper-textarea').focus();
  await page.keyboard.press('ArrowUp');
  await chapter.expectTerminal(/[$#] \. \S+long-heredoc\.sh$/);
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await chapter.terminalText()).split(cell).length - 1).toBe(2);
});

test('a cell is failed when any of its commands fails, and says which', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await chapter.run('first-fails');
  await chapter.expectTerminal(/^after$/m);
  await expect(chapter.cell('first-fails').locator('.lab-cell-state')).toHaveText(
    /^Failed · no-such-command-in-the-lab exited 127 · /,
  );
  await chapter.run('tolerated-failure');
  await expect(chapter.cell('tolerated-failure').locator('.lab-cell-state')).toHaveText(
    /Done · exit 0/,
  );
});

test('CJK, Cyrillic and emoji reach the page terminal intact', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await chapter.run('unicode');
  await chapter.expectTerminal(/^服务网格 · сервисная сетка · 🚀⛵$/m);
  expect(await chapter.terminalText()).not.toContain('\ufffd');
});

test('during a flood the page stays responsive and Ctrl-C brings the prompt back', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await chapter.run('flood');
  await chapter.expectTerminal(/^y$/m);
  // A cell run meanwhile is refused, and the refusal names the cell: it shows there, not on the dock.
  await chapter.run('say-hello');
  await expect(chapter.cell('say-hello').locator('.lab-cell-state')).toHaveText(
    /A command is still running in the terminal/,
  );
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  // The page answers while the terminal floods: the dock's own button still works.
  await page.getByRole('button', { name: 'Hide terminal' }).click();
  await page.getByRole('button', { name: 'Show terminal' }).click();
  await page.locator('lab-dock .xterm-helper-textarea').focus();
  await page.keyboard.press('Control+C');
  await expect(chapter.cell('flood').locator('.lab-cell-state')).toHaveText(/exit 130/);
  await expect
    .poll(async () => (await chapter.terminalText()).split('\n').at(-1))
    .toMatch(/istio-lab:.*# ?$/);
});

test('a check written with after: runs by itself when its cell exits 0', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(chapter.check('said-hello').locator('.lab-check-verdict')).toHaveText('');
  await chapter.run('say-hello');
  await expect(chapter.check('said-hello').locator('.lab-check-verdict')).toHaveText('Passed');
});

test('Catch up runs the prepare in the terminal, then its readiness checks, and remembers how long it took; Reset asks first', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  const tools = page.locator('lab-chapter-tools');
  await tools.getByRole('button', { name: 'Catch up' }).click();
  await chapter.expectTerminal(/mkdir -p "\$ISTIO_LAB_HOME\/fixture"/);
  const ready = tools.locator('.lab-ready li');
  await expect(ready).toHaveText(['fixture/always-passes Passed', 'fixture/pinned-context Passed']);
  await expect(tools.locator('.lab-chapter-state')).toHaveText(
    'Ready: the cluster is where this chapter starts.',
  );
  await page.reload();
  await expect(tools.locator('.lab-chapter-state')).toHaveText(/Last time it took/);

  await tools.getByRole('button', { name: 'Reset chapter' }).click();
  const dialog = tools.getByRole('dialog');
  await expect(dialog).toContainText('rm -rf "$ISTIO_LAB_HOME/fixture"');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await chapter.terminalText()).not.toContain('rm -rf');
  await tools.getByRole('button', { name: 'Reset chapter' }).click();
  await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
  await chapter.expectTerminal(/rm -rf "\$ISTIO_LAB_HOME\/fixture"/);
  await expect(tools.locator('.lab-chapter-state')).toHaveText(/Done · exit 0/);
});

test('the Reset dialog is a centred modal: lines wrapped, focus kept inside, Escape closes', async ({
  page,
  runner,
}) => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await runner.signIn(page, chapterPath);
  const tools = page.locator('lab-chapter-tools');
  const reset = tools.getByRole('button', { name: 'Reset chapter' });
  await reset.click();
  const dialog = tools.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const box = await dialog.boundingBox();
  expect(box).not.toBeNull();
  if (!box) return;
  // Centred in the window, below nothing: both margins the same to within a few pixels.
  expect(Math.abs(box.x - (1000 - box.x - box.width))).toBeLessThan(4);
  expect(Math.abs(box.y - (700 - box.y - box.height))).toBeLessThan(4);
  // A backdrop that dims the page.
  const backdrop = await dialog.evaluate(
    (element) => getComputedStyle(element, '::backdrop').backgroundColor,
  );
  const alpha = Number(/rgba?\([^)]*,\s*([\d.]+)\)/.exec(backdrop)?.[1] ?? '1');
  expect(backdrop === 'rgba(0, 0, 0, 0)' ? 0 : alpha).toBeGreaterThanOrEqual(0.3);
  // The long line wraps inside the dialog.
  const pre = dialog.locator('pre');
  expect(await pre.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  await expect(pre).toContainText('cut it off at the edge');
  // Focus stays in the dialog however far one tabs.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(reset).toBeFocused();
});

test('a pass the runner could not save says so: "Passed, not saved"', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  // A folder where progress.json goes: its write fails, as on a full disk.
  const progress = join(runner.home, 'progress.json');
  rmSync(progress, { force: true });
  mkdirSync(join(progress, 'in-the-way'), { recursive: true });
  await chapter.runCheck('always-passes');
  const verdict = chapter.check('always-passes').locator('.lab-check-verdict');
  await expect(verdict).toHaveText(
    'Passed, not saved: a folder stands where a file should be (EISDIR)',
  );
  rmSync(progress, { recursive: true });
  await chapter.runCheck('always-passes');
  await expect(verdict).toHaveText('Passed');
});

test('Check my step passes, and fails with its reason and output', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await chapter.runCheck('always-passes');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');

  await chapter.runCheck('never-passes');
  const failing = chapter.check('never-passes');
  await expect(failing.locator('.lab-check-verdict')).toHaveText('Not yet');
  await expect(failing.locator('.lab-check-reason')).toContainText(
    'expected the output to contain "the right answer"',
  );
  await failing.getByText('What the check printed').click();
  await expect(failing.locator('.lab-check-output pre')).toHaveText('nothing to see\n');
});

test('a failed check shows its cause in one line, and a known cause with its fix and a link', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  const tool = chapter.check('tool-missing');
  await chapter.runCheck('tool-missing');
  await expect(tool.locator('.lab-check-verdict')).toHaveText('Not yet');
  await expect(tool.locator('.lab-check-reason')).toHaveText(/exited 127/);
  await expect(tool.locator('.lab-check-cause')).toBeVisible();
  await expect(tool.locator('.lab-check-cause')).toHaveText(
    /^It printed last: \S.*no-such-tool-in-the-lab: command not found$/,
  );
  await expect(tool.locator('.lab-check-hint')).toContainText('no-such-tool-in-the-lab');
  await expect(tool.locator('.lab-check-hint a')).toHaveAttribute('href', '../doctor/');

  const cluster = chapter.check('no-cluster');
  await chapter.runCheck('no-cluster');
  await expect(cluster.locator('.lab-check-cause')).toContainText(
    'The connection to the server localhost:8080 was refused',
  );
  await expect(cluster.locator('.lab-check-hint a')).toHaveAttribute(
    'href',
    '../cluster/#cell-write-kind-config',
  );

  // A cell that meets the same cause says the same.
  await chapter.run('no-cluster-cell');
  await expect(chapter.cell('no-cluster-cell').locator('.lab-cell-hint a')).toHaveAttribute(
    'href',
    '../cluster/#cell-write-kind-config',
  );
});

test("a reloaded chapter shows each check's latest verdict and when it ran", async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await chapter.runCheck('always-passes');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
  await chapter.runCheck('never-passes');
  await expect(chapter.check('never-passes').locator('.lab-check-verdict')).toHaveText('Not yet');
  await page.reload();
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText(
    /^Passed · \d{1,2}:\d{2}/,
  );
  await expect(chapter.check('always-passes')).toHaveAttribute('data-state', 'pass');
  await expect(chapter.check('never-passes').locator('.lab-check-verdict')).toHaveText(
    /^Not yet · \d{1,2}:\d{2}/,
  );
  await expect(chapter.check('marker-exists').locator('.lab-check-verdict')).toHaveText('');
});

test('check reasons and hints speak the page language', async ({ page, runner, chapter }) => {
  await runner.signIn(page, '/it/fixture/');
  await chapter.check('tool-missing').getByRole('button').first().click();
  const tool = chapter.check('tool-missing');
  await expect(tool.locator('.lab-check-hint')).toBeVisible();
  const said = `${await tool.locator('.lab-check-reason').textContent()} ${await tool
    .locator('.lab-check-hint')
    .textContent()}`;
  // Every word but the tool's own name is Italian.
  expect(said.replaceAll('no-such-tool-in-the-lab', '')).not.toMatch(
    /\b(the|check|command|exited|installed)\b/i,
  );
});

test('a polling check waits for the step a cell performs', async ({ page, runner, chapter }) => {
  await runner.signIn(page, chapterPath);
  await chapter.runCheck('marker-exists');
  await expect(chapter.check('marker-exists').locator('.lab-check-verdict')).toHaveText(
    /attempt \d/,
  );
  await chapter.run('make-marker');
  await expect(chapter.check('marker-exists').locator('.lab-check-verdict')).toHaveText('Passed');
});

test('a reload restores the terminal screen from the runner', async ({ page, runner, chapter }) => {
  await runner.signIn(page, chapterPath);
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
  await page.reload();
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.expectTerminal(/^hello from the cell$/m);
  // The shell is the same one: a cell runs again in it.
  await chapter.run('say-hello');
  await expect
    .poll(async () => (await chapter.terminalText()).match(/^hello from the cell$/gm)?.length)
    .toBe(2);
});

test('a reload restores a long scrollback whole, its last rows shown first', async ({
  page,
  runner,
  chapter,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  // Long enough that the runner sends the visible rows apart (ScreenLimits.visibleFirstLines).
  await chapter.typeInTerminal("seq -f 'long line %g' 1 3000");
  await chapter.expectTerminal(/^long line 3000$/m);
  // The first rows drawn with the output in them, and how many lines the terminal held then.
  await page.addInitScript(() => {
    const seen: Array<{ rows: string; lines: number }> = [];
    (window as unknown as { __rowsSeen: typeof seen }).__rowsSeen = seen;
    new MutationObserver(() => {
      const rows = document.querySelector('lab-dock .xterm-rows')?.textContent ?? '';
      const dock = document.querySelector<Element & { text(): string }>('lab-dock');
      if (!rows.includes('long line') || seen.length > 0 || !dock) return;
      seen.push({ rows, lines: dock.text().split('\n').length });
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  // What the page sends the runner on its terminal's socket.
  await page.addInitScript(() => {
    const sent: string[] = [];
    (window as unknown as { __sent: string[] }).__sent = sent;
    window.WebSocket = class extends window.WebSocket {
      override send(data: Parameters<WebSocket['send']>[0]): void {
        if (typeof data === 'string') sent.push(data);
        super.send(data);
      }
    };
  });
  await page.reload();
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.expectTerminal(/^long line 1$/m);
  // The dock measured its size right before it attached: no resize follows, which would have
  // the runner serialize the screen again at every reload.
  const sent = await page.evaluate(() => (window as unknown as { __sent: string[] }).__sent);
  expect(sent.filter((message) => message.includes('"resize"'))).toEqual([]);
  const text = await chapter.terminalText();
  expect(text.match(/^long line \d+$/gm)).toHaveLength(3000);
  const [first] = await page.evaluate(
    () => (window as unknown as { __rowsSeen: Array<{ rows: string; lines: number }> }).__rowsSeen,
  );
  expect(first?.rows).toContain('long line 3000');
  expect(first?.lines, 'drawn before the scrollback was written').toBeLessThan(100);
  // The shell is the same one, and takes keys again.
  await chapter.typeInTerminal('echo typed-after-the-restore');
  await chapter.expectTerminal(/^typed-after-the-restore$/m);
});

test('a flood the page cannot keep up with reaches its end, its last 10,000 lines whole', async ({
  page,
  runner,
  chapter,
}) => {
  // What the runner sends the page, counted off the wire.
  let received = 0;
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string') received += payload.length;
    }),
  );
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  const count = 400_000;
  const floodBytes = Array.from({ length: count }, (_, i) => String(i + 1).length + 2).reduce(
    (sum, n) => sum + n,
  );
  await chapter.typeInTerminal(`seq ${count}; echo flood-$((6 * 7))`);
  await chapter.expectTerminal(/^flood-42$/m);
  expect(received, 'the runner left out what the scrollback would lose').toBeLessThan(
    floodBytes / 2,
  );
  // The scrollback is full of the flood's last lines, none missing, none out of place.
  const numbers = (await chapter.terminalText())
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
  expect(numbers.at(-1)).toBe(count);
  expect(numbers.length).toBeGreaterThan(10_000 - 50);
  expect(numbers.filter((n, i) => i > 0 && n !== numbers[i - 1]! + 1)).toEqual([]);
  // The shell takes keys again at once.
  await chapter.typeInTerminal('echo after-the-flood');
  await chapter.expectTerminal(/^after-the-flood$/m);
});

test('without a runner the page is read-only and Copy still works', async ({
  page,
  context,
  staticHost,
  chapter,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const asked: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) asked.push(request.url());
  });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(new URL(chapterPath, staticHost.url).href);
  await expect(page.getByText('You are reading this book without a runner')).toBeVisible();
  // A hosted copy does not ask its host for the runner's API, so nothing fails in the console.
  expect(asked).toEqual([]);
  expect(errors).toEqual([]);
  // No state for a command that cannot run here, and no empty bar in a check.
  await expect(chapter.cell('say-hello').locator('.lab-cell-state')).toBeHidden();
  await expect(chapter.check('always-passes').locator('.lab-check-bar')).toBeHidden();
  await expect(chapter.cell('say-hello').getByRole('button', { name: 'Run' })).toBeHidden();
  await expect(
    chapter.check('always-passes').getByRole('button', { name: 'Check my step' }),
  ).toBeHidden();
  await expect(page.locator('lab-dock')).toHaveCount(0);
  // No terminal code is loaded on a read-only page.
  const scripts = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => entry.name),
  );
  expect(scripts.filter((name) => /xterm|dock/i.test(name))).toEqual([]);

  await chapter.cell('say-hello').getByRole('button', { name: 'Copy' }).click();
  await expect(chapter.cell('say-hello').getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
    'echo "hello from the cell"',
  );

  await chapter.check('always-passes').getByText('Check it by hand').click();
  await expect(chapter.check('always-passes').locator('.lab-check-manual')).toContainText(
    'echo "all good"',
  );
});

test('a page from another origin cannot open the terminal, even in a signed-in browser', async ({
  page,
  runner,
  staticHost,
}) => {
  await runner.signIn(page, chapterPath);
  await page.goto(new URL(chapterPath, staticHost.url).href);
  const outcome = await page.evaluate(
    (port) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/api/terminal`);
        socket.onopen = () => resolve('opened');
        socket.onclose = (event) => resolve(`closed ${event.code}`);
      }),
    runner.port,
  );
  expect(outcome).toBe('closed 1006');
  const health = await page.evaluate(
    (url) =>
      fetch(`${url}api/health`, { credentials: 'include' }).then(
        (response) => `status ${response.status}`,
        () => 'blocked',
      ),
    runner.url,
  );
  expect(health).toBe('blocked');
});

test("another site's <script src> cannot read the API, even in a signed-in browser", async ({
  page,
  runner,
  staticHost,
}) => {
  await runner.signIn(page, chapterPath);
  await page.goto(new URL(chapterPath, staticHost.url).href);
  const target = `${runner.url}api/progress`;
  const failed = page.waitForEvent('requestfailed', (request) => request.url() === target);
  await page.evaluate((src) => {
    const script = document.createElement('script');
    script.src = src;
    document.head.append(script);
  }, target);
  // The runner answers 401 (it takes no cookie: see the server tests), and its
  // Cross-Origin-Resource-Policy keeps even that answer from the page.
  expect((await failed).failure()?.errorText).toContain('ERR_BLOCKED_BY_RESPONSE');
});

test('the printed link signs in a second tab and a restarted browser, with no cookie', async ({
  browser,
  page,
  runner,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  // Nothing a browser would send to another server on 127.0.0.1.
  expect(await page.context().cookies()).toEqual([]);
  expect(page.url()).not.toContain(runner.token);
  // A second tab, opened on the plain address.
  const second = await page.context().newPage();
  await second.goto(new URL('/en/fixture/', runner.url).href);
  await expect(second.locator('lab-dock .lab-dock-status')).toHaveText(
    /Connected|opened in another/,
  );
  await second.close();
  // The browser closed and opened again: what it kept of this origin, and nothing else.
  const kept = await page.context().storageState();
  await page.context().close();
  const restarted = await browser.newContext({ storageState: kept });
  try {
    const again = await restarted.newPage();
    await again.goto(new URL(chapterPath, runner.url).href);
    await expect(again.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  } finally {
    await restarted.close();
  }
});

test('the book refuses to be framed by another origin', async ({
  page,
  runner,
  staticHost,
  policyViolations,
}) => {
  await page.goto(new URL(chapterPath, staticHost.url).href);
  const answered = page.waitForResponse(`${runner.url}en/fixture/`);
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  }, `${runner.url}en/fixture/`);
  const response = await answered;
  expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'self'");
  await expect
    .poll(() =>
      page
        .frames()
        .some(
          (frame) =>
            frame.url().includes('/en/fixture/') &&
            frame !== page.mainFrame() &&
            frame.url().startsWith(runner.url),
        ),
    )
    .toBe(false);
  // The refusal is the one violation this test provokes.
  await expect.poll(() => policyViolations.length).toBe(1);
  expect(policyViolations).toEqual([expect.stringContaining("frame-ancestors 'self'")]);
  policyViolations.length = 0;
});

test("the dock covers neither sidebar's last links", async ({ page, runner }) => {
  await runner.signIn(page, chapterPath);
  const dock = page.locator('lab-dock');
  await expect(dock.locator('.lab-dock-status')).toHaveText('Connected');
  const dockTop = (await dock.boundingBox())?.y ?? 0;
  expect(dockTop).toBeGreaterThan(0);
  const lastLinks = [
    page.locator('.sidebar-content a').last(),
    page.locator('.right-sidebar-panel a').last(),
  ];
  for (const link of lastLinks) {
    await link.scrollIntoViewIfNeeded();
    const box = await link.boundingBox();
    expect(box, 'the link is on the page').not.toBeNull();
    // Entirely above the dock: a learner can see it and click it.
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(dockTop);
  }
});

test('the dock collapses and resizes, and remembers both across pages', async ({
  page,
  runner,
}) => {
  await runner.signIn(page, chapterPath);
  const dock = page.locator('lab-dock');
  await expect(dock.locator('.lab-dock-status')).toHaveText('Connected');
  const before = (await dock.boundingBox())?.height ?? 0;
  const handle = page.getByRole('separator', { name: 'Resize terminal' });
  await handle.focus();
  for (let i = 0; i < 4; i++) await handle.press('ArrowUp');
  await expect.poll(async () => (await dock.boundingBox())?.height).toBe(before + 96);
  await page.getByRole('button', { name: 'Hide terminal' }).click();
  await expect(dock.locator('.lab-dock-terminal')).toBeHidden();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Show terminal' })).toBeVisible();
  await page.getByRole('button', { name: 'Show terminal' }).click();
  await expect.poll(async () => (await dock.boundingBox())?.height).toBe(before + 96);
});

test('when the runner goes away the dock says it is reconnecting', async ({ page, runner }) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await runner.stop();
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText(
    /Connection lost\. Retrying in \d+ s/,
  );
});

test('when the runner comes back with a new token the dock says to sign in again', async ({
  page,
  runner,
}) => {
  await runner.signIn(page, chapterPath);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await runner.stop();
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText(/Connection lost/);
  // The same port, a new start: this browser's storage holds the old token.
  const restarted = await startRunner(['--port', String(runner.port)]);
  try {
    await expect(page.locator('lab-dock .lab-dock-status')).toHaveText(/not signed in to it/, {
      timeout: 30_000,
    });
  } finally {
    await restarted.stop();
  }
});

test('the read-only banner speaks the page language', async ({ page, staticHost }) => {
  await page.goto(new URL('/it/fixture/', staticHost.url).href);
  await expect(page.locator('html')).toHaveAttribute('lang', 'it');
  const banner = page.locator('.lab-banner[data-kind="absent"]');
  await expect(banner).toBeVisible();
  const italian = JSON.parse(
    readFileSync(join(root, 'src/content/i18n/it.json'), 'utf8'),
  ) as Record<string, string>;
  await expect(banner.locator('p').first()).toHaveText(italian['lab.runner.absent'] ?? 'missing');
  await expect(banner.locator('p').nth(1)).toHaveText(italian['lab.runner.hosted'] ?? 'missing');
  await expect(
    page
      .locator('lab-cell')
      .first()
      .getByRole('button', { name: italian['lab.cell.copy'] ?? 'missing' }),
  ).toBeVisible();
});
