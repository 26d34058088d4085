import { gzipSync } from 'node:zlib';
import type { Browser, Page } from '@playwright/test';
import { newContext } from './browser.ts';

export interface PageWeight {
  /** JavaScript files the page loaded, dynamic imports included. */
  files: number;
  bytes: number;
  /** Each file gzipped on its own (level 6, as servers do), plus the page's inline scripts. */
  gzipBytes: number;
}

/** The inline scripts of an HTML page that a browser runs (not JSON data blocks). */
export function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes = '', body = ''] = match;
    if (/\bsrc=/i.test(attributes)) continue;
    const type = /\btype=["']?([^"'\s>]+)/i.exec(attributes)?.[1] ?? 'text/javascript';
    if (type !== 'module' && !/javascript/i.test(type)) continue;
    if (body.trim()) scripts.push(body);
  }
  return scripts;
}

/**
 * Loads `url` in a fresh context (empty cache) and weighs the JavaScript it runs. `ready` says
 * when the page has loaded all it will (e.g. the dock connected); by default, network idle. Then
 * the page's idle callbacks run, and what they import is counted as well.
 */
export async function weighPage(
  browser: Browser,
  url: string,
  ready: (page: Page) => Promise<void> = () => Promise.resolve(),
): Promise<PageWeight> {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const bodies: Promise<Buffer>[] = [];
    let lastScript = performance.now();
    page.on('request', (request) => {
      if (request.resourceType() === 'script') lastScript = performance.now();
    });
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script' && response.ok())
        bodies.push(response.body());
    });
    const document = await page.goto(url, { waitUntil: 'networkidle' });
    await ready(page);
    // What a page loads once idle counts too (Starlight's search UI is imported then): a callback
    // asked for now runs after those the page asked for before it, and then no script may start
    // for half a second. (The load state 'networkidle', once reached, is not waited for again.)
    await page.evaluate(
      () => new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 5000 })),
    );
    const deadline = performance.now() + 10_000;
    while (performance.now() - lastScript < 500 && performance.now() < deadline)
      await page.waitForTimeout(100);
    await page.waitForLoadState('networkidle');
    const html = (await document?.text()) ?? '';
    const files = await Promise.all(bodies);
    const inline = inlineScripts(html).join('\n');
    return {
      files: files.length,
      bytes: files.reduce((sum, body) => sum + body.length, 0) + Buffer.byteLength(inline),
      gzipBytes:
        files.reduce((sum, body) => sum + gzipSync(body).length, 0) +
        (inline ? gzipSync(inline).length : 0),
    };
  } finally {
    await context.close();
  }
}
