import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/**
 * Chromium as the end-to-end tests and the bench launch it: Playwright's own browser, or the
 * system's where Playwright's is not installed; no sandbox (root in CI) and nothing in the
 * background that would reach the network or take CPU.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The system Chromium to use instead of Playwright's, or undefined to use Playwright's own. */
export function chromiumExecutable(): string | undefined {
  if (existsSync(chromium.executablePath())) return undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) =>
    existsSync(path),
  );
}
