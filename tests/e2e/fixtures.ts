import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { serveStatic } from '../../runner/static-files.ts';

export const root = new URL('../..', import.meta.url).pathname;
export const testDist = join(root, 'dist-test');

export interface Runner {
  url: string;
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

async function waitForRunnerFile(
  home: string,
  child: ChildProcess,
  printed: () => string,
): Promise<{ url: string; port: number; token: string }> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the runner exited early:\n${printed()}`);
    try {
      return JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as {
        url: string;
        port: number;
        token: string;
      };
    } catch {
      // Not written yet: the runner is still starting.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the runner did not start within 20 s:\n${printed()}`);
}

/** Starts a runner over the test build (or another) and the fixture labs, in a fresh workspace. */
export async function startRunner(extraArgs: string[] = [], dist = testDist): Promise<Runner> {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-e2e-'));
  const child = spawn(
    process.execPath,
    [
      join(root, 'runner/cli.ts'),
      '--port',
      '0',
      '--no-build',
      '--dist',
      dist,
      '--labs',
      join(root, 'tests/fixtures/labs'),
      ...extraArgs,
    ],
    { env: { ...process.env, ISTIO_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const file = await waitForRunnerFile(home, child, () => output);
  return {
    ...file,
    home,
    output: () => output,
    signIn: async (page, path) => {
      // The link the runner prints works on any page: the token becomes a cookie and leaves the URL.
      await page.goto(`${new URL(path, file.url).href}?token=${file.token}`);
      await expect(page).toHaveURL(new URL(path, file.url).href);
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Serves the test build with no runner behind it: the hosted, read-only book. */
async function startStaticHost(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://static.invalid');
    serveStatic(testDist, url.pathname, response, request.method ?? 'GET');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
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

export const test = base.extend<{
  runner: Runner;
  staticHost: { url: string };
  chapter: ChapterPage;
}>({
  runner: async ({}, use) => {
    const runner = await startRunner();
    await use(runner);
    await runner.stop();
  },
  staticHost: async ({}, use) => {
    const host = await startStaticHost();
    await use(host);
    // The browser keeps idle keep-alive connections open; close() alone would wait for them.
    const closed = new Promise((resolve) => host.server.close(resolve));
    host.server.closeAllConnections();
    await closed;
  },
  chapter: async ({ page }, use) => {
    await use(new ChapterPage(page));
  },
});

export { expect };
