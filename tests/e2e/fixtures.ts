import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  test as base,
  chromium,
  expect,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';
import { spawnRunner, startStaticHost } from '../servers.ts';

export const root = new URL('../..', import.meta.url).pathname;
export const testDist = join(root, 'dist-test');

export interface Runner {
  /** The book's address for the browser: the runner's own origin at this start. */
  url: string;
  /** Where this process reaches the runner (127.0.0.1): Node resolves no `.localhost` name. */
  local: string;
  port: number;
  token: string;
  home: string;
  /** What the runner has printed so far (stdout and stderr). */
  output(): string;
  /** Opens a page of the book signed in to the runner, as the printed link does. */
  signIn(page: Page, path: string): Promise<void>;
  /** Stops the runner (SIGTERM) and removes its workspace; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a runner over the test build (or another) and the fixture labs, in a fresh workspace. */
export async function startRunner(extraArgs: string[] = [], dist = testDist): Promise<Runner> {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-e2e-'));
  const runner = spawnRunner({
    home,
    dist,
    labs: [join(root, 'tests/fixtures/labs')],
    extraArgs,
  });
  const file = await runner.started;
  return {
    ...file,
    url: file.book,
    local: file.url,
    home,
    output: runner.output,
    signIn: async (page, path) => {
      // The link the runner prints works on any page: the token moves to this origin's storage
      // and leaves the URL.
      await page.goto(`${new URL(path, file.book).href}?token=${file.token}`);
      await expect(page).toHaveURL(new URL(path, file.book).href);
    },
    stop: async () => {
      await runner.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** What a learner does on a chapter page, by role and label. */
export class ChapterPage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }
  cell(id: string): Locator {
    return this.page.locator(`lab-cell[data-cell="${id}"]`);
  }
  check(id: string): Locator {
    return this.page.locator(`lab-check[data-check="${id}"]`);
  }
  async run(id: string): Promise<void> {
    await this.cell(id).getByRole('button', { name: 'Run' }).click();
  }
  async runCheck(id: string): Promise<void> {
    await this.check(id).getByRole('button', { name: 'Check my step' }).click();
  }
  /** Clicks into the docked terminal, types `line` and presses Enter, as a learner does. */
  async typeInTerminal(line: string): Promise<void> {
    await this.page.locator('lab-dock .xterm').click();
    await this.page.keyboard.type(line);
    await this.page.keyboard.press('Enter');
  }
  /** The docked terminal's text, as a learner reads it. */
  terminalText(): Promise<string> {
    return this.page
      .locator('lab-dock')
      .evaluate((dock) => (dock as HTMLElement & { text(): string }).text());
  }
  async expectTerminal(pattern: RegExp): Promise<void> {
    await expect
      .poll(() => this.terminalText(), { message: `terminal shows ${pattern}` })
      .toMatch(pattern);
  }
}

/** Contexts already watched, so that one reached twice (fixture and event) reports once. */
const watched = new WeakSet<BrowserContext>();

/**
 * Makes every Content-Security-Policy violation in `context` a console error the test collects:
 * a page that the runner or the hub serves must run under its policy with none.
 */
export async function watchPolicy(
  context: BrowserContext,
  violations: string[] = [],
): Promise<string[]> {
  if (watched.has(context)) return violations;
  watched.add(context);
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(
        `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} in ${event.sourceFile}:${event.lineNumber}`,
      ),
    ),
  );
  context.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /CSP violation|Content Security Policy/.test(text))
      violations.push(`${message.location().url}: ${text}`);
  });
  return violations;
}

/**
 * Watches every context opened while `violations` is in use, however the test opens it: the
 * shared browser's contexts (`browser.newContext`, `browser.newPage`) through its `context`
 * event, and a browser or persistent context the test launches itself through Chromium's
 * `launch` and `launchPersistentContext`, wrapped for that long. Returns the undoing.
 */
export function watchEveryContext(browser: Browser, violations: string[]): () => void {
  const onContext = (context: BrowserContext) =>
    void watchPolicy(context, violations).catch(() => undefined);
  const onBrowser = (launched: Browser) => {
    launched.on('context', onContext);
    for (const context of launched.contexts()) onContext(context);
    return launched;
  };
  browser.on('context', onContext);
  const launch = chromium.launch.bind(chromium);
  const launchPersistentContext = chromium.launchPersistentContext.bind(chromium);
  chromium.launch = async (...args) => onBrowser(await launch(...args));
  chromium.launchPersistentContext = async (...args) => {
    const context = await launchPersistentContext(...args);
    await watchPolicy(context, violations);
    return context;
  };
  return () => {
    browser.off('context', onContext);
    // The wrappers were own properties over BrowserType's methods: removing them restores those.
    Reflect.deleteProperty(chromium, 'launch');
    Reflect.deleteProperty(chromium, 'launchPersistentContext');
  };
}

export const test = base.extend<{
  runner: Runner;
  staticHost: { url: string };
  chapter: ChapterPage;
  /**
   * The policy violations seen so far in every context the test opened (watchEveryContext); a
   * test that provokes one on purpose takes it out of this list, and any other fails the test.
   */
  policyViolations: string[];
}>({
  // Every context the test opens is watched, its default one and any it makes itself; the test
  // fails on a violation in any of them.
  policyViolations: [
    async ({ browser }, use) => {
      const violations: string[] = [];
      const unwatch = watchEveryContext(browser, violations);
      try {
        await use(violations);
      } finally {
        unwatch();
      }
      expect(violations, 'no Content-Security-Policy violation').toEqual([]);
    },
    { auto: true },
  ],
  context: async ({ context, policyViolations }, use) => {
    await watchPolicy(context, policyViolations);
    await use(context);
  },
  runner: async ({}, use) => {
    const runner = await startRunner();
    await use(runner);
    await runner.stop();
  },
  staticHost: async ({}, use) => {
    const host = await startStaticHost(testDist);
    await use(host);
    await host.close();
  },
  chapter: async ({ page }, use) => {
    await use(new ChapterPage(page));
  },
});

export { expect };
