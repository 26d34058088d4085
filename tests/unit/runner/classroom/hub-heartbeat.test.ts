import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, mock } from 'node:test';
import { ProgressStore } from '../../../../runner/checks/progress.ts';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import { HubLearners } from '../../../../runner/classroom/hub/learners.ts';
import { GroupCommit } from '../../../../runner/classroom/hub/saving.ts';
import { reportRoute } from '../../../../runner/classroom/hub/reports.ts';
import { HubStore, StoreFailure } from '../../../../runner/classroom/hub/store.ts';
import { hubView } from '../../../../runner/classroom/hub/view.ts';
import type { Reporter } from '../../../../runner/classroom/reporter.ts';
import { workspaceAt } from '../../../../runner/workspace.ts';
import { joinLink, reportAs, testHub } from '../../support/hub.ts';

/**
 * "Last seen" for a learner who is connected but idle: the learner's runner beats while it runs,
 * so the instructor's table shows it as seen just now; one whose runner stopped goes stale. Time
 * is the test's own (mock timers for setTimeout and Date); the requests are real, on loopback,
 * and the test waits for each with the reporter's `idle()`.
 */

const minute = 60_000;
const t0 = Date.parse('2026-05-04T09:00:00.000Z');

describe('last seen of a connected learner', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function room(): Promise<{ hub: RunningHub; reporter: Reporter; lastSeen: () => string }> {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: t0 });
    cleanup.push(() => mock.timers.reset());
    const hub = await testHub({ rates: false, tickMs: 3_600_000 });
    cleanup.push(() => hub.close());
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-heartbeat-'));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    const workspace = workspaceAt(home);
    const reporter = reportAs('Ada', joinLink(hub), {
      workspace,
      progress: new ProgressStore(workspace.progress, () => undefined),
    });
    cleanup.push(() => reporter.stop());
    // The first report (the learner joins) leaves at once.
    mock.timers.tick(0);
    await reporter.idle();
    assert.equal(hub.learners.size, 1);
    const lastSeen = () => {
      const now = Date.now();
      return hubView(hub.learners.list(now), 'en', now).rows[0]?.lastSeen ?? '';
    };
    return { hub, reporter, lastSeen };
  }

  it('keeps an idle learner whose runner runs seen just now, and lets a stopped one go stale', async () => {
    const { hub, reporter, lastSeen } = await room();
    assert.equal(lastSeen(), 'just now');
    // Ten idle minutes, in steps no longer than a heartbeat's longest wait.
    for (let step = 0; step < 15; step++) {
      mock.timers.tick(40_000);
      const now = Date.now();
      await reporter.idle();
      assert.equal(hub.learners.list(now)[0]?.lastSeen, new Date(now).toISOString());
      assert.equal(lastSeen(), 'just now', `after ${((step + 1) * 40) / 60} idle minutes`);
    }
    reporter.stop();
    mock.timers.tick(5 * minute);
    assert.equal(lastSeen(), '5 minutes ago');
  });

  it('beats no more often than every 20 to 40 seconds, and never after the runner stops', async () => {
    const { hub, reporter } = await room();
    const heard = () => Date.parse(hub.learners.list()[0]?.lastSeen ?? '');
    mock.timers.tick(19_999);
    await reporter.idle();
    assert.equal(heard(), t0, 'no heartbeat within 20 s of the last report');
    mock.timers.tick(20_001);
    await reporter.idle();
    assert.equal(heard(), t0 + 40_000);
    reporter.stop();
    const last = heard();
    mock.timers.tick(10 * minute);
    assert.equal(heard(), last);
  });
});

describe('a heartbeat at the hub', () => {
  const learner = 'learner-aaaaaaaaaaaa';
  const report = (name = 'Ada', results: Parameters<HubLearners['apply']>[0]['results'] = []) => ({
    name,
    learner,
    results,
  });

  it('is quiet: it changes only when the learner was last seen, and says when that was', () => {
    const learners = new HubLearners(t0);
    const joined = learners.apply(report(), t0);
    assert.ok(joined.ok);
    assert.equal(joined.quiet, false, 'a new learner is news');
    const beat = learners.apply(report(), t0 + 30_000);
    assert.ok(beat.ok);
    assert.deepEqual([beat.quiet, beat.seenBefore, beat.keys], [true, t0, []]);
    assert.equal(learners.list(t0 + 30_000)[0]?.lastSeen, new Date(t0 + 30_000).toISOString());
    const renamed = learners.apply(report('Ada L.'), t0 + 60_000);
    assert.ok(renamed.ok);
    assert.equal(renamed.quiet, false, 'a new name is news');
    const checked = learners.apply(
      report('Ada L.', [
        {
          lab: 'traffic',
          check: 'only-v1',
          status: 'pass',
          at: new Date(t0).toISOString(),
          attempts: 1,
        },
      ]),
      t0 + 90_000,
    );
    assert.ok(checked.ok);
    assert.equal(checked.quiet, false, 'a result is news');
  });
});

describe("a heartbeat in the hub's database", () => {
  it('costs no commit of its own: its time is written with the next one, at the latest 30 s later', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-heartbeat-db-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const { store } = await HubStore.open(home, () => undefined);
    t.after(() => store.close());
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: t0 });
    t.after(() => mock.timers.reset());
    const learners = new HubLearners(t0);
    const saver = new GroupCommit(
      store,
      learners,
      () => undefined,
      () => undefined,
      50,
    );
    const id = 'learner-aaaaaaaaaaaa';
    const savedSeen = () => {
      const db = new DatabaseSync(join(home, 'hub.sqlite'), { readOnly: true });
      try {
        return Number(
          (
            db.prepare('SELECT last_seen FROM learners WHERE id = ?').get(id) as {
              last_seen: number;
            }
          ).last_seen,
        );
      } finally {
        db.close();
      }
    };
    assert.ok(learners.apply({ name: 'Ada', learner: id, results: [] }, t0).ok);
    const joined = saver.save(id, []);
    mock.timers.tick(50);
    assert.equal(await joined, undefined);
    assert.equal(savedSeen(), t0);

    const beat = learners.apply({ name: 'Ada', learner: id, results: [] }, t0 + 30_000);
    assert.ok(beat.ok && beat.quiet);
    saver.touch(id);
    mock.timers.tick(29_999);
    assert.equal(savedSeen(), t0, 'not yet: no commit for a heartbeat alone');
    mock.timers.tick(1);
    assert.equal(savedSeen(), t0 + 30_000);
  });
});

describe('the answer to a heartbeat', () => {
  it('comes at once, without waiting for a commit, and is 503 while the hub cannot save', async (t) => {
    const learners = new HubLearners();
    const stored: string[] = [];
    const saving: { failure?: StoreFailure } = {};
    const route = reportRoute({
      joinToken: 'join-token-0123456789',
      learners,
      log: () => undefined,
      // A commit that never ends: only a report that waits for none is answered.
      stored: (learner) => {
        stored.push(learner);
        return new Promise(() => undefined);
      },
      seen: () => saving.failure,
    });
    const server = createServer((request, response) =>
      route(request, response, 'join-token-0123456789'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    const beat = async () =>
      (
        await fetch(`http://127.0.0.1:${port}/join/join-token-0123456789/report`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'Ada', learner: 'learner-aaaaaaaaaaaa', results: [] }),
        })
      ).status;
    assert.ok(learners.apply({ name: 'Ada', learner: 'learner-aaaaaaaaaaaa', results: [] }).ok);
    assert.equal(await beat(), 204);
    assert.deepEqual(stored, [], 'no commit waited for');
    saving.failure = new StoreFailure('full', 'the disk is full');
    assert.equal(await beat(), 503);
  });
});
