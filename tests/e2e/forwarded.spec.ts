import { request } from 'node:http';
import WebSocket from 'ws';
import { chromiumArgs, chromiumExecutable } from '../chromium.ts';
import { startForwardingProxy } from '../servers.ts';
import { expect, startRunner, test, type Runner } from './fixtures.ts';

/**
 * The runner behind a forwarded port, as in a dev container (Codespaces, VS Code, DevPod): the
 * browser reaches it at a public name and port, through a forwarding service that passes the
 * browser's Host and Origin on. The browser here resolves that name to the proxy.
 */
const publicName = 'book-4321.forwarded.test';
const executablePath = chromiumExecutable();
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: [...chromiumArgs, `--host-resolver-rules=MAP ${publicName} 127.0.0.1`],
  },
});

let proxy: Awaited<ReturnType<typeof startForwardingProxy>>;
let runner: Runner;
let publicUrl: string;

test.beforeEach(async () => {
  proxy = await startForwardingProxy();
  publicUrl = `http://${publicName}:${proxy.port}`;
  runner = await startRunner(['--public-url', publicUrl]);
  proxy.target.port = runner.port;
});

test.afterEach(async () => {
  await runner.stop();
  await proxy.close();
});

/**
 * A request through the proxy with the headers a browser at `origin` would send (node:http, since
 * fetch does not let a caller set Host).
 */
function ask(
  path: string,
  host: string,
  origin: string | undefined,
): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        path,
        headers: {
          Host: host,
          Authorization: `Bearer ${runner.token}`,
          ...(origin === undefined ? {} : { Origin: origin }),
        },
      },
      (answer) => {
        let body = '';
        answer.on('data', (chunk: Buffer) => (body += chunk.toString()));
        answer.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(body) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          resolve({ status: answer.statusCode ?? 0, code });
        });
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

/** Whether the terminal's WebSocket opens through the proxy for a page at `origin`. */
function terminalOpens(host: string, origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${proxy.port}/api/terminal?cols=80&rows=24`,
      ['istio-lab', `istio-lab.token.${runner.token}`],
      { headers: { Host: host }, origin },
    );
    socket.on('open', () => {
      socket.close();
      resolve(true);
    });
    socket.on('unexpected-response', () => resolve(false));
    socket.on('error', () => resolve(false));
  });
}

test('through a forwarded port the printed link signs in, and the terminal and checks work', async ({
  page,
  chapter,
}) => {
  await expect.poll(() => runner.output()).toContain(`${publicUrl}/?token=${runner.token}`);
  await page.goto(`${publicUrl}/?token=${runner.token}`);
  await expect(page).toHaveURL(`${publicUrl}/en/`);
  await page.goto(`${publicUrl}/en/fixture/`);
  await expect(page.locator('lab-dock .lab-dock-status')).toHaveText('Connected');
  await chapter.run('say-hello');
  await chapter.expectTerminal(/^hello from the cell$/m);
  await chapter.runCheck('always-passes');
  await expect(chapter.check('always-passes').locator('.lab-check-verdict')).toHaveText('Passed');
});

test('through a forwarded port, a look-alike host or origin is refused, even with the token', async () => {
  const host = `${publicName}:${proxy.port}`;
  expect((await ask('/api/health', host, publicUrl)).status).toBe(200);
  expect(await terminalOpens(host, publicUrl)).toBe(true);
  for (const origin of [
    `http://${publicName}.evil.example:${proxy.port}`,
    `http://evil-${publicName}:${proxy.port}`,
    `https://${publicName}:${proxy.port}`,
    `http://${publicName}:${proxy.port + 1}`,
  ]) {
    const answer = await ask('/api/health', host, origin);
    expect(answer.status, origin).toBe(403);
    expect(answer.code).toBe('bad-origin');
    expect(await terminalOpens(host, origin), origin).toBe(false);
  }
  for (const lookAlike of [`${publicName}.evil.example:${proxy.port}`, `${publicName}:1`]) {
    const answer = await ask('/api/health', lookAlike, undefined);
    expect(answer.status, lookAlike).toBe(403);
    expect(await terminalOpens(lookAlike, publicUrl), lookAlike).toBe(false);
  }
  // The runner still listens on loopback only.
  expect(new URL(runner.url).hostname).toBe('127.0.0.1');
});
