import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli } from '../../support/cli.ts';
import { liveRunner, root, TerminalClient, type LiveRunner } from '../../support/live-runner.ts';
import { doctorItemIds } from '../../../../src/lib/wire/doctor-report.ts';
import { protocolVersion } from '../../../../src/lib/wire/protocol-version.ts';

/** An HTTP request with full control of Host and Origin (fetch would not let a test set Host). */
function call(
  runner: LiveRunner,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: runner.port,
          path,
          method: options.method ?? 'GET',
          headers: { Host: `127.0.0.1:${runner.port}`, ...options.headers },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('runner API', () => {
  let runner: LiveRunner;
  before(async () => {
    runner = await liveRunner();
  });
  after(async () => {
    await runner.stop();
  });

  it('answers health with the token, and 401 with a code without it', async () => {
    const ok = await call(runner, '/api/health', { headers: runner.headers });
    assert.deepEqual(
      [ok.status, JSON.parse(ok.body)],
      [200, { ok: true, version: 'test', protocol: protocolVersion }],
    );
    const missing = await call(runner, '/api/health');
    assert.equal(missing.status, 401);
    assert.equal(JSON.parse(missing.body).code, 'unauthorized');
    assert.equal(missing.headers['x-content-type-options'], 'nosniff');
    assert.ok(!missing.body.includes(runner.token));
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403 before the token matters', async () => {
    const host = await call(runner, '/api/health', {
      headers: { ...runner.headers, Host: `rebind.example:${runner.port}` },
    });
    assert.deepEqual([host.status, JSON.parse(host.body).code], [403, 'bad-host']);
    const origin = await call(runner, '/api/health', {
      headers: { ...runner.headers, Origin: 'http://evil.example' },
    });
    assert.deepEqual([origin.status, JSON.parse(origin.body).code], [403, 'bad-origin']);
    assert.equal(origin.headers['access-control-allow-origin'], undefined);
  });

  it('takes no cookie: the right token in one opens neither the API nor a terminal', async () => {
    // Cookies ignore ports: any server on 127.0.0.1 that the learner visits would receive one.
    const cookie = `istio_lab_${runner.port}=${runner.token}`;
    for (const site of ['same-origin', 'none', 'same-site', undefined]) {
      const answer = await call(runner, '/api/progress', {
        headers: { Cookie: cookie, ...(site ? { 'Sec-Fetch-Site': site } : {}) },
      });
      assert.equal(answer.status, 401, `cookie, Sec-Fetch-Site ${site ?? '(none)'}`);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['cross-origin-resource-policy'], 'same-origin');
    }
    const before = runner.sessionCount();
    const client = new TerminalClient(runner, 'session=cookie', { headers: { Cookie: cookie } });
    await assert.rejects(client.opened(), /401/);
    assert.equal(runner.sessionCount(), before, 'no shell was started');
    const bearer = await call(runner, '/api/progress', { headers: runner.headers });
    assert.equal(bearer.status, 200, 'the token as a Bearer header is what counts');
  });

  it('never puts the token in a response body', async () => {
    for (const [method, path] of [
      ['GET', '/api/health'],
      ['GET', '/api/progress'],
      ['GET', '/api/doctor'],
      ['POST', '/api/checks/fixture/always-passes'],
      ['GET', '/api/nothing'],
      ['GET', '/en/fixture/'],
    ] as const) {
      for (const headers of [runner.headers, {}]) {
        const answer = await call(runner, path, { method, headers });
        assert.ok(!answer.body.includes(runner.token), `${method} ${path}`);
      }
    }
  });

  it('runs a check by id and records it in progress.json', async () => {
    const result = await call(runner, '/api/checks/fixture/always-passes', {
      method: 'POST',
      headers: runner.headers,
    });
    assert.equal(result.status, 200);
    assert.equal(JSON.parse(result.body).status, 'pass');
    const progress = await call(runner, '/api/progress', { headers: runner.headers });
    assert.equal(JSON.parse(progress.body).labs.fixture['always-passes'].status, 'pass');
    const file = JSON.parse(readFileSync(runner.workspace.progress, 'utf8'));
    assert.equal(file.labs.fixture['always-passes'].status, 'pass');
    assert.equal(JSON.parse(result.body).saved, true, 'answered once saved');
  });

  it("says in the check's answer when its result could not be saved, and why", async () => {
    // A folder where progress.json goes: every write of it fails, as on a full disk.
    rmSync(runner.workspace.progress, { force: true });
    mkdirSync(join(runner.workspace.progress, 'in-the-way'), { recursive: true });
    try {
      const result = await call(runner, '/api/checks/fixture/always-passes', {
        method: 'POST',
        headers: runner.headers,
      });
      const body = JSON.parse(result.body) as { status: string; saved: boolean; saveError: string };
      assert.deepEqual(
        [body.status, body.saved, body.saveError],
        ['pass', false, 'a folder stands where a file should be (EISDIR)'],
      );
    } finally {
      rmSync(runner.workspace.progress, { recursive: true, force: true });
    }
  });

  it('with wait=0 makes one attempt of a polling check, and refuses other wait values', async () => {
    // marker-exists polls for 6 s; once, it fails at its first attempt.
    const once = await call(runner, '/api/checks/fixture/marker-exists?wait=0', {
      method: 'POST',
      headers: runner.headers,
    });
    assert.equal(once.status, 200);
    const result = JSON.parse(once.body);
    assert.equal(result.status, 'fail');
    assert.equal(result.attempts, 1);
    const bad = await call(runner, '/api/checks/fixture/marker-exists?wait=soon', {
      method: 'POST',
      headers: runner.headers,
    });
    assert.equal(bad.status, 400);
    const refusal = JSON.parse(bad.body) as { code: string; message: string };
    assert.equal(refusal.code, 'bad-request');
    assert.match(refusal.message, /wait=0 for one attempt/);
  });

  it('answers unknown labs, checks, routes and methods with specific codes', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['POST', '/api/checks/nope/always-passes', 404, 'unknown-lab'],
      ['POST', '/api/checks/fixture/nope', 404, 'unknown-check'],
      ['POST', '/api/checks/fixture/constructor', 404, 'unknown-check'],
      ['POST', '/api/checks/fixture/toString', 404, 'unknown-check'],
      ['GET', '/api/checks/fixture/always-passes', 405, 'method-not-allowed'],
      ['GET', '/api/nothing-here', 404, 'not-found'],
      ['POST', '/api/checks/%E0%A4%A/x', 404, 'unknown-lab'],
    ];
    for (const [method, path, status, code] of cases) {
      const answer = await call(runner, path, { method, headers: runner.headers });
      assert.deepEqual(
        [answer.status, JSON.parse(answer.body).code],
        [status, code],
        `${method} ${path}`,
      );
    }
  });

  it('serves the doctor report with a fix for each item that needs one', async () => {
    const answer = await call(runner, '/api/doctor', { headers: runner.headers });
    const { items } = JSON.parse(answer.body) as {
      items: Array<{ id: string; status: string; fix: string }>;
    };
    assert.deepEqual(
      items.map((item) => item.id),
      [...doctorItemIds],
    );
    for (const item of items) {
      if (item.status === 'warn' || item.status === 'fail')
        assert.ok(item.fix.length > 10, item.id);
    }
  });

  it('never redirects to another site when it drops ?token= from a path that starts with //', async () => {
    const answer = await call(runner, `/.//evil.example/?token=${runner.token}`, {
      headers: { Host: new URL(runner.book).host },
    });
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.location, `/evil.example/#token=${runner.token}`);
  });

  it('moves ?token= into the fragment, sets no cookie, and drops a wrong one', async () => {
    const book = { Host: new URL(runner.book).host };
    const answer = await call(runner, `/en/cluster/?token=${runner.token}`, { headers: book });
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.location, `/en/cluster/#token=${runner.token}`);
    assert.equal(answer.headers['set-cookie'], undefined);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    const wrong = await call(runner, '/en/cluster/?token=nope', { headers: book });
    assert.equal(wrong.headers.location, '/en/cluster/');
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  it('serves the book under a fresh <id>.localhost origin, and sends every other loopback name there without the token', async () => {
    const book = new URL(runner.book);
    assert.match(book.host, new RegExp(`^[0-9a-f]{16}\\.localhost:${runner.port}$`));
    const other = await liveRunner();
    try {
      assert.notEqual(new URL(other.book).hostname, book.hostname, 'a new origin at each start');
    } finally {
      await other.stop();
    }
    for (const host of [
      `127.0.0.1:${runner.port}`,
      `localhost:${runner.port}`,
      `[::1]:${runner.port}`,
      `0123456789abcdef.localhost:${runner.port}`,
    ]) {
      const answer = await call(runner, `/en/cluster/?lang=it&token=${runner.token}`, {
        headers: { Host: host },
      });
      assert.equal(answer.status, 302, host);
      assert.equal(answer.headers.location, `${book.origin}/en/cluster/?lang=it`, host);
      assert.equal(answer.headers['cache-control'], 'no-store');
    }
  });

  it('refuses pages of an earlier origin on this port with 401, and takes the fresh one', async () => {
    for (const origin of [
      `http://127.0.0.1:${runner.port}`,
      `http://localhost:${runner.port}`,
      `http://0123456789abcdef.localhost:${runner.port}`,
    ]) {
      const answer = await call(runner, '/api/health', {
        headers: { ...runner.headers, Origin: origin },
      });
      assert.deepEqual(
        [answer.status, JSON.parse(answer.body).code],
        [401, 'unauthorized'],
        origin,
      );
      const client = new TerminalClient(runner, 'session=main', {
        headers: { Origin: origin },
        protocols: ['istio-lab', `istio-lab.token.${runner.token}`],
      });
      await assert.rejects(client.opened(), /upgrade refused: 401/, origin);
    }
    const own = await call(runner, '/api/health', {
      headers: { ...runner.headers, Origin: new URL(runner.book).origin },
    });
    assert.equal(own.status, 200);
  });

  it('serves no service worker, and clears whatever registered one', async () => {
    const answer = await call(runner, '/sw.js', {
      headers: { Host: new URL(runner.book).host, 'Service-Worker': 'script' },
    });
    assert.equal(answer.status, 404);
    assert.equal(answer.headers['clear-site-data'], '"storage"');
  });

  it('refuses WebSocket upgrades without a token, from a foreign Origin or Host, spawning nothing', async () => {
    const before = runner.sessionCount();
    for (const headers of [
      {},
      { ...runner.headers, Origin: 'http://evil.example' },
      { ...runner.headers, Host: 'evil.example' },
    ]) {
      const client = new TerminalClient(runner, 'session=main', { headers });
      await assert.rejects(client.opened(), /upgrade refused: (401|403)/);
    }
    assert.equal(runner.sessionCount(), before, 'no shell was started');
  });

  it('caps live sessions, refusing one more with 429 and a clear code', async () => {
    const capped = await liveRunner({ maxSessions: 3 });
    try {
      const clients = ['a', 'b', 'c'].map((name) => new TerminalClient(capped, `session=${name}`));
      for (const client of clients) await client.opened();
      const refused = new TerminalClient(capped, 'session=d');
      await assert.rejects(refused.opened(), /upgrade refused: 429/);
      assert.equal(capped.sessionCount(), 3);
      const again = new TerminalClient(capped, 'session=a');
      await again.opened();
      for (const client of [...clients, again]) client.close();
    } finally {
      await capped.stop();
    }
  });

  describe('terminal protocol errors', () => {
    let client: TerminalClient;
    before(async () => {
      client = new TerminalClient(runner, 'session=errors');
      await client.opened();
      await client.message('screen');
    });
    after(() => client.close());

    const cases: Array<[string, unknown, string]> = [
      ['not JSON', '{nope', 'bad-json'],
      ['no type', { lab: 'fixture' }, 'bad-message'],
      ['an unknown type', { type: 'exec', command: 'id' }, 'bad-message'],
      [
        'a run with extra fields',
        { type: 'run', lab: 'fixture', cell: 'say-hello', command: 'id' },
        'bad-message',
      ],
      ['an unknown lab', { type: 'run', lab: 'nope', cell: 'say-hello' }, 'unknown-lab'],
      ['an unknown cell', { type: 'run', lab: 'fixture', cell: 'nope' }, 'unknown-cell'],
      [
        'a cell named like a built-in property',
        { type: 'run', lab: 'fixture', cell: 'constructor' },
        'unknown-cell',
      ],
      [
        'a cell named __proto__',
        { type: 'run', lab: 'fixture', cell: '__proto__' },
        'unknown-cell',
      ],
      ['resize to 0', { type: 'resize', cols: 0, rows: 10 }, 'bad-resize'],
      ['resize to -1', { type: 'resize', cols: 80, rows: -1 }, 'bad-resize'],
      ['resize to NaN', '{"type":"resize","cols":NaN,"rows":10}', 'bad-json'],
      [
        'resize to null (NaN in JSON)',
        { type: 'resize', cols: Number.NaN, rows: 10 },
        'bad-resize',
      ],
      ['resize to 100000', { type: 'resize', cols: 100000, rows: 10 }, 'bad-resize'],
      ['resize to 1e6', { type: 'resize', cols: 80, rows: 1e6 }, 'bad-resize'],
      ['resize to 1.5', { type: 'resize', cols: 80.5, rows: 10 }, 'bad-resize'],
      ['an ack of nothing', { type: 'ack', bytes: 0 }, 'bad-message'],
      [
        'a script that is not prepare or cleanup',
        { type: 'script', lab: 'fixture', script: 'rm' },
        'bad-message',
      ],
      [
        'the prepare of an unknown lab',
        { type: 'script', lab: 'nope', script: 'prepare' },
        'unknown-lab',
      ],
    ];
    for (const [name, message, code] of cases) {
      it(`answers ${name} with "${code}" and stays up`, async () => {
        const from = client.messages.length;
        client.send(message);
        const error = await client.message('error', from);
        assert.equal(error.code, code);
        assert.ok(error.message.length > 0);
        assert.equal(client.closed, undefined);
      });
    }

    it('still runs cells after all of that', async () => {
      const from = client.messages.length;
      client.send({ type: 'run', lab: 'fixture', cell: 'say-hello' });
      await client.until('the cell to finish', () =>
        client.messages.slice(from).some((m) => m.type === 'cell' && m.state === 'done'),
      );
    });
  });

  it('lets a page of an --allow-origin host open the terminal with the token as a subprotocol', async () => {
    const hosted = await liveRunner({ allowOrigins: ['https://book.example.org'] });
    try {
      const client = new TerminalClient(hosted, 'session=hosted', {
        headers: { Origin: 'https://book.example.org' },
        protocols: ['istio-lab', `istio-lab.token.${hosted.token}`],
      });
      await client.opened();
      assert.equal(client.socket.protocol, 'istio-lab');
      await client.message('screen');
      client.close();
      const wrong = new TerminalClient(hosted, 'session=hosted2', {
        headers: { Origin: 'https://book.example.org' },
        protocols: ['istio-lab', 'istio-lab.token.wrong'],
      });
      await assert.rejects(wrong.opened(), /upgrade refused: 401/);
      const preflight = await call(hosted, '/api/health', {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://book.example.org',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://book.example.org');
    } finally {
      await hosted.stop();
    }
  });

  it('closes with 1009 on a frame over 1 MiB, and the runner goes on', async () => {
    const client = new TerminalClient(runner, 'session=big');
    await client.opened();
    client.send('x'.repeat((1 << 20) + 1));
    await client.until('the close', () => client.closed !== undefined);
    assert.equal(client.closed?.code, 1009);
    const health = await call(runner, '/api/health', { headers: runner.headers });
    assert.equal(health.status, 200);
  });

  it('refuses a session name it cannot use', async () => {
    const client = new TerminalClient(runner, 'session=../../etc');
    await assert.rejects(client.opened(), /upgrade refused: 400/);
  });
});

describe('runner command line', () => {
  it('starts, writes runner.json readable only by its owner, prints the link, and stops on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--labs', join(root, 'tests/fixtures/labs')]);
    await cli.started();
    const file = JSON.parse(readFileSync(join(cli.home, 'runner.json'), 'utf8')) as {
      url: string;
      book: string;
      token: string;
      pid: number;
    };
    assert.equal(statSync(join(cli.home, 'runner.json')).mode & 0o777, 0o600);
    assert.equal(file.pid, cli.child.pid);
    // The link a learner opens names this start's own origin; programs use url (127.0.0.1).
    assert.match(file.book, /^http:\/\/[0-9a-f]{16}\.localhost:\d+\/$/);
    assert.equal(new URL(file.url).hostname, '127.0.0.1');
    assert.ok(cli.output().includes(`${file.book}?token=${file.token}`));
    assert.equal(await cli.stop(), 0);
  });

  it('keeps progress across a restart of the runner, with a new token', async () => {
    const args = ['--port', '0', '--labs', join(root, 'tests/fixtures/labs')];
    const runnerFile = (home: string) =>
      JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as { url: string; token: string };
    const first = startCli(args);
    await first.started();
    const before = runnerFile(first.home);
    const passed = await fetch(`${before.url}api/checks/fixture/always-passes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${before.token}` },
    });
    assert.equal(((await passed.json()) as { status: string }).status, 'pass');
    assert.equal(await first.stop(), 0);

    const second = startCli(args, first.home);
    await second.started();
    const after = runnerFile(second.home);
    assert.notEqual(after.token, before.token);
    const progress = await fetch(`${after.url}api/progress`, {
      headers: { Authorization: `Bearer ${after.token}` },
    });
    const body = (await progress.json()) as {
      labs: Record<string, Record<string, { status: string; firstPassedAt?: string }>>;
    };
    assert.equal(body.labs.fixture?.['always-passes']?.status, 'pass');
    assert.ok(body.labs.fixture?.['always-passes']?.firstPassedAt);
    assert.equal(await second.stop(), 0);
  });

  it('a stale runner.json from a crashed runner does not stop a new start', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-stale-'));
    writeFileSync(
      join(home, 'runner.json'),
      JSON.stringify({ url: 'http://127.0.0.1:1/', port: 1, token: 'old', pid: 999_999_999 }),
    );
    const cli = startCli(['--port', '0'], home);
    await cli.started();
    const file = JSON.parse(readFileSync(join(home, 'runner.json'), 'utf8')) as {
      pid: number;
      token: string;
    };
    assert.equal(file.pid, cli.child.pid);
    assert.notEqual(file.token, 'old');
    await cli.stop();
  });

  it('says where the runner already is when started twice', async () => {
    const first = startCli(['--port', '0']);
    await first.started();
    const second = startCli(['--port', '0'], first.home);
    // One runner per workspace (tests/unit/runner/workspace-lock.test.ts): the second exits 1.
    assert.equal(await second.exited(), 1);
    const file = JSON.parse(readFileSync(join(first.home, 'runner.json'), 'utf8')) as {
      url: string;
      pid: number;
    };
    assert.match(second.output(), /already running/);
    assert.ok(second.output().includes(file.url));
    assert.equal(file.pid, first.child.pid, 'the first runner keeps its runner.json');
    await first.stop();
  });

  it('with --expose-on-network warns what a non-loopback --host exposes', async () => {
    const cli = startCli(['--host', '0.0.0.0', '--expose-on-network', '--port', '0']);
    await cli.started();
    assert.match(
      cli.output(),
      /WARNING: listening on 0\.0\.0\.0: anyone on that network with the link can run commands/,
    );
    await cli.stop();
  });

  it('refuses a non-loopback --host without --expose-on-network, saying why', async () => {
    const cli = startCli(['--host', '0.0.0.0']);
    assert.equal(await cli.exited(), 2);
    assert.match(cli.output(), /--expose-on-network/);
  });
});
