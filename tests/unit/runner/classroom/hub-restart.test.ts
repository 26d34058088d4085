import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import type { LearnerSummary } from '../../../../runner/classroom/hub/learners.ts';
import { jittered, type Reporter } from '../../../../runner/classroom/reporter.ts';
import { joinLink, postReport as report, reportAs, testHub } from '../../support/hub.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

/** A hub on loopback keeping its state in `home`, as `npm start -- --hub` does in the workspace. */
function hubIn(home: string, log: (message: string) => void, port = 0): Promise<RunningHub> {
  // A room from one address: limits per address are hub-limits.test.ts.
  return testHub({ port, stateDir: home, log, tickMs: 60_000, rates: false });
}

const learnersOf = async (hub: RunningHub, token = hub.viewToken) => {
  const answer = await fetch(new URL('/api/learners', hub.url), {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(answer.status, 200, 'the view token is taken');
  return ((await answer.json()) as { learners: LearnerSummary[] }).learners;
};

const check = async (runner: LiveRunner, id: string) => {
  const answer = await fetch(`http://127.0.0.1:${runner.port}/api/checks/fixture/${id}`, {
    method: 'POST',
    headers: runner.headers,
  });
  return ((await answer.json()) as { status: string }).status;
};

describe('a hub restarted in the same workspace', () => {
  const home = mkdtempSync(join(tmpdir(), 'istio-lab-hub-home-'));
  const said: string[] = [];
  let first: RunningHub | undefined;
  let second: RunningHub | undefined;
  let ada: LiveRunner;
  let reporter: Reporter;

  before(async () => {
    ada = await liveRunner();
  });
  after(async () => {
    reporter?.stop();
    await Promise.all([first?.close(), second?.close(), ada.stop()]);
    rmSync(home, { recursive: true, force: true });
  });

  it('takes the same join link, shows the same table, and receives what learners did while it was down', async () => {
    first = await hubIn(home, () => undefined);
    const hub = first;
    const file = join(home, 'hub-tokens.json');
    assert.equal(
      statSync(file).mode & 0o777,
      0o600,
      'the tokens are readable by the instructor only',
    );

    reporter = reportAs('Ada', joinLink(hub), ada, {
      log: (message) => said.push(message),
      retry: { firstMs: 20, maxMs: 200 },
    });
    assert.equal(await check(ada, 'always-passes'), 'pass');
    assert.equal(await check(ada, 'never-passes'), 'fail');
    await waitFor('Ada stuck on never-passes', async () =>
      (await learnersOf(hub)).some((row) => row.stuck?.check === 'never-passes'),
    );
    await reporter.idle();
    const at = Date.now() + 60_000;
    const before = { list: hub.learners.list(at), saved: hub.learners.saved() };
    const { joinToken, viewToken, port, view } = hub;
    await hub.close();

    // While the hub is down the learner goes on; the reporter notices, and waits.
    assert.equal(await check(ada, 'tool-missing'), 'fail');
    assert.equal(await check(ada, 'always-passes'), 'pass');
    await waitFor('the outage noticed', () => said.some((line) => line.includes('cannot reach')));
    const missed = ada.progress.snapshot.labs.fixture ?? {};

    second = await hubIn(home, () => undefined, port);
    const again = second;
    // Before any report can reach it (none is read until this turn ends): the table as it was.
    assert.deepEqual(again.learners.saved(), before.saved);
    assert.deepEqual(again.learners.list(at), before.list);
    assert.equal(again.joinToken, joinToken, 'the same join link');
    // The view link is new at each start (its origin and its token): the earlier one reads nothing.
    assert.notEqual(again.viewToken, viewToken);
    assert.notEqual(again.view, view);
    const earlier = await fetch(new URL('/api/learners', again.url), {
      headers: { Authorization: `Bearer ${viewToken}` },
    });
    assert.equal(earlier.status, 401);

    // The reporter, untouched, delivers what it missed, each with the time it ran.
    await waitFor('the missed results', async () =>
      (await learnersOf(again)).some((row) => row.latest?.check === 'always-passes'),
    );
    const rows = await learnersOf(again);
    assert.equal(rows.length, 1, 'still one learner, not two');
    const row = rows[0];
    assert.equal(row?.passed, 1);
    assert.deepEqual(row?.latest, {
      lab: 'fixture',
      check: 'always-passes',
      status: 'pass',
      at: missed['always-passes']?.at,
    });
    const kept = again.learners.saved()[0]?.checks.find((entry) => entry.check === 'tool-missing');
    assert.deepEqual(
      [kept?.status, kept?.at],
      ['fail', Date.parse(missed['tool-missing']?.at ?? '')],
    );
    await reporter.idle();
    assert.equal(said.filter((line) => line.includes('reached the hub again')).length, 1);
    assert.ok(!said.some((line) => line.includes('401')), said.join('\n'));

    // The same join link still adds learners.
    const bo = { name: 'Bo', learner: 'bo-learner-0000000001', results: [] };
    assert.equal((await report(again, bo, joinToken)).status, 204);
  });
});

describe('the database', () => {
  const homes: string[] = [];
  const hubs: RunningHub[] = [];
  const fresh = () => {
    const home = mkdtempSync(join(tmpdir(), 'istio-lab-hub-state-'));
    homes.push(home);
    return home;
  };
  const start = async (home: string, log: (message: string) => void = () => undefined) => {
    const hub = await hubIn(home, log);
    hubs.push(hub);
    return hub;
  };
  after(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  /** The rows as another process would read them: a connection of its own. */
  const rowsIn = (home: string) => {
    const db = new DatabaseSync(join(home, 'hub.sqlite'), { readOnly: true });
    try {
      return {
        learners: db.prepare('SELECT id, name FROM learners ORDER BY id').all(),
        checks: db
          .prepare('SELECT learner, lab, check_id, status FROM checks ORDER BY learner')
          .all(),
      };
    } finally {
      db.close();
    }
  };
  const learnerBody = (n: number, results: unknown[] = []) => ({
    name: `Learner ${n}`,
    learner: `learner-${String(n).padStart(12, '0')}`,
    results,
  });
  const result = (check: string) => ({
    lab: 'traffic',
    check,
    status: 'pass',
    at: new Date().toISOString(),
    attempts: 1,
  });

  it('holds a report by the time the hub acknowledges it, in WAL mode, readable by the instructor only', async () => {
    const home = fresh();
    const hub = await start(home);
    assert.equal(hub.database, join(home, 'hub.sqlite'));
    const at = new Date().toISOString();
    const body = {
      name: 'Cy',
      learner: 'cy-learner-000000001',
      results: [{ lab: 'traffic', check: 'canary', status: 'fail', attempts: 2, at }],
    };
    assert.equal((await report(hub, body)).status, 204);
    const rows = rowsIn(home);
    assert.deepEqual(
      rows.learners.map((row) => ({ ...row })),
      [{ id: 'cy-learner-000000001', name: 'Cy' }],
    );
    assert.deepEqual(
      rows.checks.map((row) => ({ ...row })),
      [{ learner: 'cy-learner-000000001', lab: 'traffic', check_id: 'canary', status: 'fail' }],
    );
    const db = new DatabaseSync(join(home, 'hub.sqlite'), { readOnly: true });
    assert.equal(
      (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode,
      'wal',
    );
    db.close();
    for (const name of ['hub.sqlite', 'hub-tokens.json'])
      assert.equal(statSync(join(home, name)).mode & 0o777, 0o600, name);
  });

  it('keeps only the join token in hub-tokens.json: the view token is new at each start', async () => {
    const home = fresh();
    const hub = await start(home);
    const file = join(home, 'hub-tokens.json');
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(kept).sort(), ['joinToken', 'startedAt', 'version']);
    assert.equal(kept.joinToken, hub.joinToken);
    assert.ok(!JSON.stringify(kept).includes(hub.viewToken));
    await hub.close();
    const said: string[] = [];
    const again = await start(home, (line) => said.push(line));
    assert.equal(again.joinToken, hub.joinToken, 'the same join link from the new file');
    assert.deepEqual(said, []);
  });

  it('reads a hub-tokens.json that an older hub wrote with its view token, keeping the join link', async () => {
    const home = fresh();
    const joinToken = 'j'.repeat(32);
    const viewToken = 'v'.repeat(32);
    const file = join(home, 'hub-tokens.json');
    const old = `${JSON.stringify({ version: 1, joinToken, viewToken, startedAt: '2026-03-01T09:00:00.000Z' })}\n`;
    writeFileSync(file, old, { mode: 0o600 });
    const said: string[] = [];
    const hub = await start(home, (line) => said.push(line));
    assert.equal(hub.joinToken, joinToken);
    assert.notEqual(hub.viewToken, viewToken, 'the old view token is not taken');
    assert.deepEqual(said, [], 'the file is not moved aside as one the hub cannot use');
    assert.deepEqual(
      readdirSync(home).filter((name) => name.includes('corrupt')),
      [],
    );
    assert.equal(readFileSync(file, 'utf8'), old);
  });

  it('imports an older hub-state.json once, keeping its links, and moves it aside', async () => {
    const home = fresh();
    const joinToken = 'j'.repeat(32);
    const viewToken = 'v'.repeat(32);
    const at = '2026-03-01T09:00:00.000Z';
    writeFileSync(
      join(home, 'hub-state.json'),
      JSON.stringify({
        version: 1,
        joinToken,
        viewToken,
        startedAt: at,
        learners: [
          { id: 'ada-learner-00000001', name: 'Ada', lastSeen: at, checks: [] },
          { id: 'bad-learner-00000001', name: '', lastSeen: at, checks: [] },
        ],
      }),
    );
    const said: string[] = [];
    const hub = await start(home, (line) => said.push(line));
    assert.equal(hub.joinToken, joinToken);
    assert.deepEqual(
      hub.learners.saved().map((learner) => learner.name),
      ['Ada'],
    );
    assert.ok(!existsSync(join(home, 'hub-state.json')));
    assert.equal(
      readdirSync(home).filter((name) => name.startsWith('hub-state.json.imported-')).length,
      1,
    );
    assert.match(said.join('\n'), /imported 1 learner.*bad-learner-00000001/s);
    await hub.close();
    const again = await start(home);
    assert.equal(again.joinToken, joinToken);
    assert.deepEqual(
      again.learners.saved().map((learner) => learner.name),
      ['Ada'],
    );
  });

  it('skips a damaged row, naming it, and keeps the links and every other learner', async () => {
    const home = fresh();
    const hub = await start(home);
    for (const n of [1, 2, 3])
      assert.equal((await report(hub, learnerBody(n, [result('canary')]))).status, 204);
    const { joinToken } = hub;
    await hub.close();
    const db = new DatabaseSync(join(home, 'hub.sqlite'));
    db.exec(`UPDATE learners SET name = 'Ada' || char(0) WHERE id = 'learner-000000000002'`);
    db.exec(`UPDATE checks SET status = 'maybe' WHERE learner = 'learner-000000000003'`);
    db.close();
    const said: string[] = [];
    const again = await start(home, (line) => said.push(line));
    assert.equal(again.joinToken, joinToken, 'the same join link');
    assert.deepEqual(
      again.learners.saved().map((learner) => [learner.id, learner.checks.length]),
      [
        ['learner-000000000001', 1],
        ['learner-000000000003', 0],
      ],
    );
    const log = said.join('\n');
    assert.match(log, /skipped 2 damaged row.*learner-000000000002.*learner-000000000003/s);
    // The skipped learner's runner sends again with the same link, and is back.
    assert.equal((await report(again, learnerBody(2, [result('canary')]))).status, 204);
    assert.equal(again.learners.size, 3);
  });

  it('moves a file that is not a database aside, keeping the links', async () => {
    const home = fresh();
    const hub = await start(home);
    const { joinToken } = hub;
    await hub.close();
    for (const suffix of ['-wal', '-shm'])
      rmSync(join(home, `hub.sqlite${suffix}`), { force: true });
    writeFileSync(join(home, 'hub.sqlite'), 'not a database, not at all'.repeat(200));
    const said: string[] = [];
    const again = await start(home, (line) => said.push(line));
    assert.equal(again.joinToken, joinToken);
    assert.match(said.join('\n'), /moved to .*hub\.sqlite\.corrupt-/);
    assert.equal((await report(again, learnerBody(1))).status, 204);
  });

  /** Runs `mount` with these arguments; false (and the test skipped, saying why) when refused. */
  const mount = (t: TestContext, ...args: string[]): boolean => {
    try {
      execFileSync('mount', args, { stdio: 'pipe' });
      return true;
    } catch (error) {
      t.skip(
        `mount ${args.join(' ')} was refused (${String((error as Error).message).split('\n')[0]}): this needs root`,
      );
      return false;
    }
  };
  const unmount = (dir: string) => execFileSync('umount', [dir], { stdio: 'pipe' });

  it('answers 503 on a read-only workspace, shows why, and the reporter keeps its results', async (t) => {
    const home = fresh();
    const first = await start(home);
    assert.equal((await report(first, learnerBody(1, [result('canary')]))).status, 204);
    await first.close();
    if (!mount(t, '--bind', home, home)) return;
    let hub: RunningHub | undefined;
    try {
      if (!mount(t, '-o', 'remount,ro,bind', home)) return;
      const said: string[] = [];
      hub = await hubIn(home, (line) => said.push(line));
      assert.equal(hub.learners.size, 1, 'what was saved is shown');
      const answer = await report(hub, learnerBody(2, [result('canary')]));
      assert.equal(answer.status, 503);
      assert.equal(((await answer.json()) as { code: string }).code, 'hub-not-saved');
      assert.match(said.join('\n'), /read-only/);
      const events = await fetch(new URL('/api/events?lang=en', hub.url), {
        headers: { Authorization: `Bearer ${hub.viewToken}` },
      });
      const reader = events.body?.getReader();
      const opening = new TextDecoder().decode((await reader?.read())?.value);
      await reader?.cancel();
      assert.match(opening, /cannot save reports: the workspace is read-only/);
    } finally {
      await hub?.close();
      unmount(home);
    }
    const again = await start(home);
    assert.deepEqual(
      again.learners.saved().map((learner) => learner.id),
      ['learner-000000000001'],
      'the acknowledged report, not the refused one',
    );
  });

  it('answers 503 on a full disk and loses nothing it acknowledged', async (t) => {
    const home = fresh();
    if (!mount(t, '-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', home)) return;
    const acknowledged: string[] = [];
    let refused: { code: string } | undefined;
    let hub: RunningHub | undefined;
    try {
      hub = await hubIn(home, () => undefined);
      // Fill what is left, then report until the database has no room.
      try {
        writeFileSync(join(home, 'filler'), Buffer.alloc(64 * 1024));
      } catch {
        // Full, as meant.
      }
      for (let n = 1; n <= 400 && !refused; n++) {
        const body = learnerBody(n, [result('canary'), result('mtls'), result('gateway')]);
        const answer = await report(hub, body);
        if (answer.status === 204) acknowledged.push(body.learner);
        else {
          assert.equal(answer.status, 503);
          refused = (await answer.json()) as { code: string };
        }
      }
      assert.equal(refused?.code, 'hub-not-saved', 'the disk filled up within 400 reports');
      await hub.close();
      rmSync(join(home, 'filler'), { force: true });
      hub = await hubIn(home, () => undefined);
      const kept = new Set(hub.learners.saved().map((learner) => learner.id));
      for (const id of acknowledged) assert.ok(kept.has(id), `${id} was acknowledged and is kept`);
    } finally {
      await hub?.close();
      unmount(home);
    }
  });
});

describe('retry waits', () => {
  it('spreads each wait between half its step and the whole of it', () => {
    assert.equal(
      jittered(1000, () => 0),
      1000,
    );
    assert.equal(
      jittered(1000, () => 0.5),
      750,
    );
    assert.equal(
      jittered(1000, () => 0.999_999),
      500,
    );
    assert.equal(
      jittered(30_000, () => 2),
      15_000,
      'a bad random source stays in bounds',
    );
    const waits = Array.from({ length: 50 }, () => jittered(30_000));
    assert.ok(waits.every((wait) => wait >= 15_000 && wait <= 30_000));
    assert.ok(
      new Set(waits).size > 1,
      'runners that lost the hub together do not come back together',
    );
  });
});
