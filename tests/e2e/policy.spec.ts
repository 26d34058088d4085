import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { startHub } from '../../runner/classroom/hub.ts';
import { chromiumArgs, chromiumExecutable } from '../chromium.ts';
import { expect, test } from './fixtures.ts';

/**
 * The Content-Security-Policy of the pages the runner and the hub serve. Every end-to-end test
 * also fails on any violation in any context it opens (fixtures.ts, watchEveryContext); here, what the policy
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
  policyViolations,
}) => {
  const book = new URL(runner.url);
  // A context of the test's own is watched as the default one is: the violation this test
  // provokes on purpose reaches policyViolations, which it then takes out.
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
    expect(policyViolations).toEqual([]);
    await page.goto(`${new URL('en/fixture/', runner.url).href}?token=${runner.token}`);
    await expectCaught(page, policyViolations);
  } finally {
    await context.close();
  }
});

/** Runs a script the page's policy does not allow, and says whether it ran. */
function injectScript(page: Page): Promise<string> {
  return page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'document.documentElement.dataset.injected = "ran"';
    document.head.append(script);
    return document.documentElement.dataset.injected ?? 'blocked';
  });
}

/**
 * Injects a script that `page`'s policy refuses, waits for the watch to report the violation,
 * then closes the page's context, so that nothing more can arrive, and takes the violation out.
 */
async function expectCaught(page: Page, policyViolations: string[]): Promise<void> {
  expect(await injectScript(page)).toBe('blocked');
  await expect
    .poll(() => policyViolations.some((text) => text.includes('CSP violation: script-src')))
    .toBe(true);
  await page.context().close();
  policyViolations.length = 0;
}

test('a browser profile a test launches itself is watched for violations too', async ({
  runner,
  policyViolations,
}) => {
  const profile = mkdtempSync(join(tmpdir(), 'istio-lab-profile-'));
  const executablePath = chromiumExecutable();
  const context = await chromium.launchPersistentContext(profile, {
    ...(executablePath ? { executablePath } : {}),
    args: chromiumArgs,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(new URL('en/', runner.url).href);
    await expectCaught(page, policyViolations);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('the hub’s pages have a strict policy too', async ({ page }) => {
  const hub = await startHub({ host: '127.0.0.1', port: 0, log: () => undefined });
  try {
    const response = await page.goto(`${hub.view}#token=${hub.viewToken}`);
    expectStrict(response?.headers()['content-security-policy'], /^'self'$/);
    await expect(page.getByRole('status')).toHaveText('Live');
  } finally {
    await hub.close();
  }
});
