import { startHub } from '../../runner/classroom/hub.ts';
import { expect, test } from './fixtures.ts';

/**
 * The Content-Security-Policy of the pages the runner and the hub serve. Every end-to-end test
 * also fails on any violation (the shared context fixture in fixtures.ts); here, what the policy
 * says, and that a script injected into a page does not run.
 */

/** The policy's directives by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = '', ...values]) => [name, values]),
  );
}

function expectStrict(policy: string | undefined, connect: RegExp): void {
  const parsed = directives(policy ?? '');
  const scripts = parsed.get('script-src') ?? parsed.get('default-src') ?? [];
  expect(scripts.length, policy).toBeGreaterThan(0);
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(
    scripts.every((source) => /^('self'|'wasm-unsafe-eval'|'sha256-[^']+')$/.test(source)),
  ).toBe(true);
  expect(parsed.get('object-src') ?? parsed.get('default-src')).toEqual(["'none'"]);
  expect(parsed.get('base-uri')).toEqual(["'none'"]);
  expect((parsed.get('connect-src') ?? []).join(' ')).toMatch(connect);
}

test('every page the runner serves has a strict policy, and a script injected into one does not run', async ({
  browser,
  runner,
}) => {
  const book = new URL(runner.url);
  // Watched by no fixture: this test provokes a violation on purpose.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    for (const path of ['en/', 'en/fixture/', 'en/progress/', 'ru/doctor/', 'missing/']) {
      const response = await page.goto(new URL(path, runner.url).href);
      expectStrict(
        response?.headers()['content-security-policy'],
        new RegExp(`^'self' ws://${book.host.replace(/\./g, '\\.')}$`),
      );
    }
    await context.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.effectiveDirective}`),
      ),
    );
    await page.goto(`${new URL('en/fixture/', runner.url).href}?token=${runner.token}`);
    const blocked = page.waitForEvent('console', (message) =>
      message.text().startsWith('CSP violation: script-src'),
    );
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.documentElement.dataset.injected = "ran"';
      document.head.append(script);
      return document.documentElement.dataset.injected ?? 'blocked';
    });
    expect(ran).toBe('blocked');
    await blocked;
  } finally {
    await context.close();
  }
});

test('the hub’s pages have a strict policy too', async ({ page }) => {
  const hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined });
  try {
    const response = await page.goto(`${hub.url}#token=${hub.viewToken}`);
    expectStrict(response?.headers()['content-security-policy'], /^'self'$/);
    await expect(page.getByRole('status')).toHaveText('Live');
  } finally {
    await hub.close();
  }
});
