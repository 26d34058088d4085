import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import type { LearnerSummary } from '../../../../runner/classroom/hub/learners.ts';
import { hubPage } from '../../../../runner/classroom/hub/page.ts';
import { learnerId, type Reporter } from '../../../../runner/classroom/reporter.ts';
import { call, joinLink, reportAs, testHub } from '../../support/hub.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

/** Waits (support/poll.ts) until `probe` finds something, and returns it. */
async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  let found: T | undefined;
  await waitFor(what, async () => (found = await probe()) !== undefined, ms, 50);
  return found as T;
}

/** What left a learner's machine: every request a recording stand-in received before the hub. */
interface Captured {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A recording proxy in front of the hub, so the test sees the raw bytes of every report. */
async function captureProxy(hub: RunningHub, port = 0) {
  const captured: Captured[] = [];
  const server = createServer((incoming, outgoing) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => (body += chunk.toString()));
    incoming.on('end', () => {
      captured.push({ url: incoming.url ?? '', headers: incoming.headers, body });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string' && name !== 'host') headers[name] = value;
      call(hub.port, incoming.url ?? '/', { method: incoming.method ?? 'GET', headers, body }).then(
        (answer) => {
          outgoing.writeHead(answer.status);
          outgoing.end(answer.body);
        },
        () => outgoing.destroy(),
      );
    });
  });
  await listen(server, port);
  return { server, captured, port: (server.address() as AddressInfo).port };
}

function listen(server: Server, port = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const postCheck = (runner: LiveRunner, check: string) =>
  call(runner.port, `/api/checks/fixture/${check}`, { method: 'POST', headers: runner.headers });

describe('instructor hub with two learners on loopback', () => {
  let hub: RunningHub;
  let proxy: Awaited<ReturnType<typeof captureProxy>>;
  let ada: LiveRunner;
  let bo: LiveRunner;
  const reporters: Reporter[] = [];
  const view = () => ({ Authorization: `Bearer ${hub.viewToken}` });
  const learners = async () =>
    (
      JSON.parse((await call(hub.port, '/api/learners', { headers: view() })).body) as {
        learners: LearnerSummary[];
      }
    ).learners;
  const join = (port: number, token = hub.joinToken) => joinLink(hub, port, token);
  const report = (body: unknown, headers: Record<string, string> = {}, token = hub.joinToken) =>
    call(hub.port, `/join/${token}/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const valid = { name: 'Probe', learner: 'probe-learner-0001', results: [] };

  before(async () => {
    hub = await testHub({ tickMs: 500 });
    proxy = await captureProxy(hub);
    [ada, bo] = await Promise.all([liveRunner(), liveRunner()]);
    for (const [runner, name] of [
      [ada, 'Ada'],
      [bo, '<script>alert(1)</script> Bo'],
    ] as const)
      reporters.push(
        reportAs(name, join(proxy.port), runner, { retry: { firstMs: 50, maxMs: 200 } }),
      );
  });
  after(async () => {
    for (const reporter of reporters) reporter.stop();
    await Promise.all([ada.stop(), bo.stop(), hub.close(), close(proxy.server)]);
  });

  it('shows each learner as soon as their runner starts, before any check', async () => {
    const rows = await until('two learners', async () => {
      const rows = await learners();
      return rows.length === 2 ? rows : undefined;
    });
    assert.deepEqual(rows.map((row) => [row.name, row.passed, row.latest]).sort(), [
      ['<script>alert(1)</script> Bo', 0, null],
      ['Ada', 0, null],
    ]);
  });

  it('shows who passed what and who is stuck on which check, stuck learners first', async () => {
    for (const runner of [ada, bo]) {
      assert.equal(JSON.parse((await postCheck(runner, 'always-passes')).body).status, 'pass');
      assert.equal(JSON.parse((await postCheck(runner, 'never-passes')).body).status, 'fail');
    }
    const stuck = await until('both learners stuck on never-passes', async () => {
      const rows = await learners();
      return rows.length === 2 && rows.every((row) => row.stuck?.check === 'never-passes')
        ? rows
        : undefined;
    });
    for (const row of stuck) {
      assert.equal(row.passed, 1);
      assert.equal(row.chapter, 'fixture');
      assert.deepEqual([row.latest?.check, row.latest?.status], ['never-passes', 'fail']);
      assert.equal(row.stuck?.minutes, 0);
    }
    const since = stuck.find((row) => row.name === 'Ada')?.stuck?.since;

    // Failing again keeps the time of the first failure; a pass ends it and moves Ada down.
    await postCheck(ada, 'never-passes');
    await reporters[0]?.idle();
    const again = (await learners()).find((row) => row.name === 'Ada');
    assert.equal(again?.stuck?.since, since);
    await postCheck(ada, 'always-passes');
    const rows = await until('Ada no longer stuck', async () => {
      const rows = await learners();
      return rows.find((row) => row.name === 'Ada')?.stuck === null ? rows : undefined;
    });
    assert.deepEqual(
      rows.map((row) => [row.name, row.stuck?.check ?? null, row.latest?.check]),
      [
        ['<script>alert(1)</script> Bo', 'never-passes', 'never-passes'],
        ['Ada', null, 'always-passes'],
      ],
    );
  });

  it('receives only the name, the learner id and verdicts: no output, reason, path or host name', async () => {
    await Promise.all(reporters.map((reporter) => reporter.idle()));
    assert.ok(proxy.captured.length >= 4);
    const resultKeys = new Set<string>();
    for (const { headers, body } of proxy.captured) {
      const parsed = JSON.parse(body) as Record<string, unknown> & { results: object[] };
      assert.deepEqual(Object.keys(parsed).sort(), ['learner', 'name', 'results', 'secret']);
      for (const result of parsed.results)
        for (const key of Object.keys(result)) resultKeys.add(key);
      assert.equal(headers.cookie, undefined);
      assert.equal(headers.authorization, undefined);
      assert.equal(headers.origin, undefined);
      for (const secret of [
        ada.token,
        bo.token,
        ada.workspace.root,
        bo.workspace.root,
        hostname(),
        'all good',
        'nothing to see',
        'the right answer',
      ])
        assert.ok(!body.includes(secret), `a report carried ${secret}`);
    }
    assert.deepEqual([...resultKeys].sort(), ['at', 'attempts', 'check', 'lab', 'status']);
  });

  it('keeps the learner id in the workspace, readable by its owner only: a restart is the same learner', async () => {
    const id = learnerId(ada.workspace);
    assert.equal(learnerId(ada.workspace), id);
    assert.notEqual(learnerId(bo.workspace), id);
    assert.equal(statSync(`${ada.workspace.root}/hub-learner-id`).mode & 0o777, 0o600);
    assert.ok((await learners()).some((row) => row.id === id));
  });

  it("gives the hub's tokens no power over a learner's runner", async () => {
    for (const token of [hub.joinToken, hub.viewToken]) {
      for (const [method, path] of [
        ['GET', '/api/health'],
        ['GET', '/api/progress'],
        ['POST', '/api/checks/fixture/always-passes'],
      ] as const) {
        const answer = await call(ada.port, path, {
          method,
          headers: { Authorization: `Bearer ${token}` },
        });
        assert.equal(answer.status, 401, `${method} ${path}`);
      }
    }
  });

  it('acts on nothing a hub answers: a redirect is not followed and the body is not read', async () => {
    const followed: string[] = [];
    const target = createServer((incoming, outgoing) => {
      followed.push(`${incoming.method} ${incoming.url}`);
      outgoing.end();
    });
    await listen(target);
    const targetPort = (target.address() as AddressInfo).port;
    let asked = 0;
    const hostile = createServer((incoming, outgoing) => {
      asked += 1;
      incoming.resume();
      outgoing.writeHead(307, {
        Location: `http://127.0.0.1:${targetPort}/api/checks/fixture/never-passes`,
        'Content-Type': 'application/json',
        'Set-Cookie': `istio_lab_${ada.port}=planted`,
      });
      outgoing.end(JSON.stringify({ run: 'touch /tmp/owned', cell: 'fail-on-purpose' }));
    });
    await listen(hostile);
    const hostilePort = (hostile.address() as AddressInfo).port;
    const before = JSON.stringify(ada.progress.snapshot);
    const reporter = reportAs(
      'Ada',
      `http://127.0.0.1:${hostilePort}/join/${'x'.repeat(24)}`,
      ada,
      {
        retry: { firstMs: 10, maxMs: 20 },
      },
    );
    try {
      await until('three reports to the hostile hub, or a followed redirect', () =>
        asked >= 3 || followed.length > 0 ? true : undefined,
      );
    } finally {
      reporter.stop();
      await Promise.all([close(hostile), close(target)]);
    }
    assert.deepEqual(followed, []);
    assert.equal(JSON.stringify(ada.progress.snapshot), before);
    assert.equal(ada.sessionCount(), 0);
  });

  it('refuses a wrong join token, the view token as a join token, and web pages', async () => {
    const wrong = await report(valid, {}, 'A'.repeat(32));
    assert.deepEqual([wrong.status, JSON.parse(wrong.body).code], [401, 'unauthorized']);
    const swapped = await report(valid, {}, hub.viewToken);
    assert.equal(swapped.status, 401);
    const page = await report(valid, { Origin: 'http://evil.example' });
    assert.deepEqual([page.status, JSON.parse(page.body).code], [403, 'bad-origin']);
    // A page that passes for the hub's own origin (DNS rebinding) is refused all the same.
    const own = await report(valid, { Origin: `http://127.0.0.1:${hub.port}` });
    assert.deepEqual([own.status, JSON.parse(own.body).code], [403, 'bad-origin']);
    const form = await report(JSON.stringify(valid), { 'Content-Type': 'text/plain' });
    assert.equal(form.status, 415);
    assert.ok(!(await learners()).some((row) => row.name === 'Probe'));
  });

  it('keeps trying, saying why once, when the hub does not know the join link', async () => {
    const said: string[] = [];
    const reporter = reportAs('Stale', join(proxy.port, 'B'.repeat(32)), ada, {
      log: (message) => said.push(message),
      retry: { firstMs: 10, maxMs: 20 },
    });
    const stale = () => proxy.captured.filter(({ url }) => url.includes('B'.repeat(32)));
    try {
      await until('three reports to the unknown link', () =>
        stale().length >= 3 ? true : undefined,
      );
      const log = said.join('\n');
      assert.match(log, /does not know this join link \(401\).*tries again now and then/s);
      assert.equal(said.filter((line) => line.includes('(401)')).length, 1, 'said once');
      assert.equal(reporter.status(), 'unknown-link', 'for the page to say');
      assert.doesNotMatch(log, /No more reports/);
    } finally {
      reporter.stop();
    }
  });

  it('answers a bad or oversized report with a clear message, and stores nothing of it', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      ['{not json', 400, /not JSON/],
      [{ ...valid, output: 'secret' }, 400, /output/],
      [{ ...valid, name: 'a\u0007b' }, 400, /name: .*control/],
      [{ ...valid, name: '   ' }, 400, /name: the name is empty/],
      [{ ...valid, name: 'x'.repeat(41) }, 400, /at most 40/],
      [{ ...valid, learner: 'short' }, 400, /learner/],
      [
        {
          ...valid,
          results: [{ lab: 'fixture', check: 'x', status: 'maybe', at: 'now', attempts: 1 }],
        },
        400,
        /results\.0\.status/,
      ],
      [
        {
          ...valid,
          results: [
            {
              lab: '../etc',
              check: 'x',
              status: 'pass',
              at: new Date().toISOString(),
              attempts: 1,
            },
          ],
        },
        400,
        /results\.0\.lab/,
      ],
      [{ ...valid, name: 'x'.repeat(70 * 1024) }, 413, /at most 65536 bytes/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await report(body);
      assert.equal(answer.status, status, JSON.stringify(body).slice(0, 80));
      assert.match((JSON.parse(answer.body) as { message: string }).message, message);
    }
    assert.ok(!(await learners()).some((row) => row.name === 'Probe'));
    const health = await report(valid);
    assert.equal(health.status, 204, 'the hub goes on after all of that');
  });

  it('shows the table only with the view token as a Bearer header, never a cookie', async () => {
    for (const path of ['/api/learners', '/api/learners.csv', '/api/events']) {
      assert.equal((await call(hub.port, path)).status, 401, path);
      const join = await call(hub.port, path, {
        headers: { Authorization: `Bearer ${hub.joinToken}` },
      });
      assert.equal(join.status, 401, `${path} with the join token`);
      // Cookies ignore ports: any server on this host would receive one. It grants nothing.
      const cookie = await call(hub.port, path, {
        headers: {
          Cookie: `istio_lab_hub_${hub.port}=${hub.viewToken}`,
          'Sec-Fetch-Site': 'same-origin',
        },
      });
      assert.equal(cookie.status, 401, `${path} with the view token as a cookie`);
    }
    const own = { Host: new URL(hub.view).host };
    const page = await call(hub.port, '/?lang=it', { headers: own });
    assert.equal(page.status, 200, 'the page itself holds nothing of the room');
    assert.doesNotMatch(page.body, /Ada|never-passes/);
    const old = await call(hub.port, `/?token=${hub.viewToken}&lang=it`, { headers: own });
    assert.equal(old.status, 302);
    assert.equal(old.headers.location, `/?lang=it#token=${hub.viewToken}`, 'to the fragment');
    assert.equal(old.headers['set-cookie'], undefined);
    assert.equal((await call(hub.port, '/api/learners', { headers: view() })).status, 200);
  });

  it("escapes learners' names and sends the headers that keep the page to itself", async () => {
    const own = { Host: new URL(hub.view).host };
    const page = await call(hub.port, '/', {
      headers: { ...own, 'Accept-Language': 'ru-RU,ru;q=0.9,en;q=0.5' },
    });
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="ru">/);
    assert.match(page.body, /Прогресс группы/);
    const rendered = hubPage(hub.learners.list(), 'ru');
    assert.ok(!rendered.includes('<script>alert'), 'the name is not markup');
    assert.ok(rendered.includes('&lt;script&gt;alert(1)&lt;/script&gt; Bo'));
    assert.match(rendered, /не пройдена: never-passes/);
    assert.match(page.body, /<script type="module" src="\/hub.js"><\/script>/);
    assert.equal((page.body.match(/<script/g) ?? []).length, 1, 'no inline script');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const script = await call(hub.port, '/hub.js', { headers: own });
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.match(script.body, /textContent/);
    assert.doesNotMatch(script.body, /innerHTML/);
  });

  it('pushes the table to a live page when a learner reports', async () => {
    const events: string[] = [];
    const req = request({
      host: '127.0.0.1',
      port: hub.port,
      path: '/api/events?lang=en',
      headers: view(),
    });
    const opened = new Promise<IncomingHttpHeaders>((resolve, reject) => {
      req.on('response', (res) => {
        res.on('data', (chunk: Buffer) => events.push(chunk.toString()));
        resolve(res.headers);
      });
      req.on('error', reject);
    });
    req.end();
    try {
      assert.match(String((await opened)['content-type']), /^text\/event-stream/);
      await until('the first rows', () =>
        events.join('').includes('event: rows') ? true : undefined,
      );
      assert.match(events.join(''), /"latest":"failed: never-passes"[^}]*"stuck":"under a minute"/);
      const seen = events.length;
      await report({ ...valid, name: 'Newcomer', learner: 'newcomer-learner-01' });
      await until('rows with the newcomer', () =>
        events.slice(seen).join('').includes('Newcomer') ? true : undefined,
      );
    } finally {
      req.destroy();
    }
  });

  it('delivers results made while the hub was down once it can be reached, never delaying a check', async () => {
    // A port with nothing behind it yet: the hub (through its recording proxy) appears there later.
    const probe = createServer();
    await listen(probe);
    const port = (probe.address() as AddressInfo).port;
    await close(probe);
    const cy = await liveRunner();
    const said: string[] = [];
    const reporter = reportAs('Cy', join(port), cy, {
      log: (message) => said.push(message),
      retry: { firstMs: 20, maxMs: 100 },
    });
    let late: Awaited<ReturnType<typeof captureProxy>> | undefined;
    try {
      assert.equal(JSON.parse((await postCheck(cy, 'never-passes')).body).status, 'fail');
      await until('the outage noticed', () => (said.length > 0 ? true : undefined));
      assert.ok(!(await learners()).some((row) => row.name === 'Cy'));
      late = await captureProxy(hub, port);
      const row = await until('Cy on the hub', async () =>
        (await learners()).find((row) => row.name === 'Cy' && row.latest !== null),
      );
      assert.deepEqual([row.latest?.check, row.stuck?.check], ['never-passes', 'never-passes']);
      await reporter.idle();
      assert.equal(said.filter((line) => line.includes('cannot reach')).length, 1, said.join('\n'));
      assert.equal(said.filter((line) => line.includes('reached the hub again')).length, 1);
    } finally {
      reporter.stop();
      await cy.stop();
      if (late) await close(late.server);
    }
  });
});
