import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProgressStore } from '../../../../runner/checks/progress.ts';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import { SourceLimits } from '../../../../runner/classroom/hub/limits.ts';
import type { Reporter } from '../../../../runner/classroom/reporter.ts';
import type { Workspace } from '../../../../runner/workspace.ts';
import { joinLink, postReport, reportAs, testHub } from '../../support/hub.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

describe('what one source address may send', () => {
  it('refills each bucket with time, and says how long to wait', () => {
    const limits = new SourceLimits({
      joins: { burst: 2, perSecond: 0.5 },
      reports: { burst: 3, perSecond: 10 },
    });
    const t = 1_000_000;
    assert.equal(limits.join('10.0.0.7', t), undefined);
    assert.equal(limits.join('10.0.0.7', t), undefined);
    assert.equal(limits.join('10.0.0.7', t), 2, 'a join is back in 2 s');
    assert.equal(limits.join('10.0.0.8', t), undefined, 'another address has its own');
    assert.equal(limits.join('10.0.0.7', t + 2000), undefined);
    for (let n = 0; n < 3; n++) assert.equal(limits.report('10.0.0.7', t), undefined);
    assert.equal(limits.report('10.0.0.7', t), 1);
    assert.equal(limits.report('10.0.0.7', t + 100), undefined);
  });
});

describe('a hub flooded from one address', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await testHub({
      // Nothing comes back during the test, so the counts do not depend on the machine's speed.
      rates: { joins: { burst: 3, perSecond: 1e-9 }, reports: { burst: 8, perSecond: 1e-9 } },
    });
  });
  after(() => hub.close());

  const report = (learner: string) => postReport(hub, { name: 'Probe', learner, results: [] });

  it('answers 429 rate-limited past its joins, then past its reports, and keeps the room as it was', async () => {
    const ids = ['probe-learner-000001', 'probe-learner-000002', 'probe-learner-000003'];
    for (const id of ids) assert.equal((await report(id)).status, 204);
    const invented = await report('probe-learner-000004');
    assert.equal(invented.status, 429);
    assert.equal(((await invented.json()) as { code: string }).code, 'rate-limited');
    assert.ok(Number(invented.headers.get('retry-after')) >= 1);
    assert.equal(hub.learners.size, 3, 'no invented learner');
    // Known learners still report, until the address has sent its reports.
    const statuses = [];
    for (let n = 0; n < 5; n++) statuses.push((await report(ids[0] ?? '')).status);
    assert.deepEqual(statuses, [204, 204, 204, 204, 429]);
  });
});

describe('a learner joining a full hub', () => {
  let hub: RunningHub;
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-full-'));
  before(async () => {
    hub = await testHub({ capacity: 1, rates: false });
    const first = await postReport(hub, {
      name: 'First',
      learner: 'first-learner-000001',
      results: [],
    });
    assert.equal(first.status, 204);
  });
  after(async () => {
    await hub.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('is told once, in the log and for the page, that the hub is full and to ask the instructor; the table counts them waiting', async () => {
    const said: string[] = [];
    // The reporter reads the workspace's folder and the progress snapshot, and listens for more.
    const progress = { snapshot: { labs: {} }, onRecord: () => () => undefined };
    const reporter = reportAs(
      'Late',
      joinLink(hub),
      { workspace: { root: home } as Workspace, progress: progress as unknown as ProgressStore },
      { log: (message) => said.push(message), retry: { firstMs: 10, maxMs: 20 } },
    );
    try {
      await waitFor('three refusals', () => hub.learners.waiting === 1 && said.length > 0);
      await waitFor('a few more attempts', async () => {
        const answer = await fetch(new URL('/api/events?lang=en', hub.url), {
          headers: { Authorization: `Bearer ${hub.viewToken}` },
        });
        const reader = answer.body?.getReader();
        const first = new TextDecoder().decode((await reader?.read())?.value);
        await reader?.cancel();
        return first.includes('1 of 1 learners, 1 waiting');
      });
      assert.equal(reporter.status(), 'full');
      const full = said.filter((line) => /hub is full.*Ask the instructor/s.test(line));
      assert.equal(full.length, 1, said.join('\n'));
    } finally {
      reporter.stop();
    }
  });
});

describe("two learners' runners on a hub that takes one", () => {
  let hub: RunningHub;
  const runners: LiveRunner[] = [];
  const reporters: Reporter[] = [];
  before(async () => {
    hub = await testHub({ capacity: 1, rates: false });
  });
  after(async () => {
    for (const reporter of reporters) reporter.stop();
    await Promise.all(runners.map((runner) => runner.stop()));
    await hub.close();
  });

  /** A learner's runner reporting to the hub, its health carrying what its reporter knows. */
  const learner = async (name: string) => {
    // The runner listens before its reporter starts, as in runner/cli.ts.
    const started: { reporter?: Reporter } = {};
    const runner = await liveRunner({ hubStatus: () => started.reporter?.status() });
    runners.push(runner);
    const reporter = (started.reporter = reportAs(name, joinLink(hub), runner, {
      retry: { firstMs: 10, maxMs: 20 },
    }));
    reporters.push(reporter);
    return { runner, reporter };
  };
  const health = async (runner: LiveRunner) =>
    (await (
      await fetch(new URL('api/health', runner.url), { headers: runner.headers })
    ).json()) as {
      ok: boolean;
      hub?: { status: string };
    };

  it("says in the second learner's /api/health that the hub is full, and ok in the first's", async () => {
    const first = await learner('Ada');
    await first.reporter.idle();
    assert.equal(hub.learners.size, 1);
    const second = await learner('Bo');
    await waitFor('the hub to count the second learner waiting', () => hub.learners.waiting === 1);
    await waitFor(
      'the second runner to hear that the hub is full',
      async () => (await health(second.runner)).hub?.status === 'full',
    );
    assert.deepEqual((await health(first.runner)).hub, { status: 'ok' });
    const answer = await health(second.runner);
    assert.equal(answer.ok, true);
    assert.deepEqual(answer.hub, { status: 'full' });
  });

  it('carries no hub in the health of a runner that reports to none', async () => {
    const alone = await liveRunner();
    runners.push(alone);
    assert.equal('hub' in (await health(alone)), false);
  });
});

describe('a reporter whose hub cannot save', () => {
  it('keeps the batch and sends it again until the hub saves it, saying so once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-not-saved-'));
    const bodies: string[] = [];
    let refusals = 3;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(refusals-- > 0 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const said: string[] = [];
    const entry = { status: 'pass', at: '2026-03-01T09:00:00.000Z', attempts: 1 };
    const progress = {
      snapshot: { labs: { traffic: { canary: entry } } },
      onRecord: () => () => undefined,
    };
    const reporter = reportAs(
      'Ada',
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/join/${'j'.repeat(32)}`,
      { workspace: { root: home } as Workspace, progress: progress as unknown as ProgressStore },
      { log: (message) => said.push(message), retry: { firstMs: 10, maxMs: 20 } },
    );
    try {
      await reporter.idle();
      assert.equal(bodies.length, 4, 'three refusals, then the one the hub saved');
      const results = bodies.map(
        (body) => (JSON.parse(body) as { results: Array<{ check: string }> }).results,
      );
      for (const batch of results)
        assert.deepEqual(
          batch.map((result) => result.check),
          ['canary'],
        );
      assert.equal(said.filter((line) => line.includes('(503)')).length, 1, said.join('\n'));
      assert.equal(reporter.status(), 'ok');
    } finally {
      reporter.stop();
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
