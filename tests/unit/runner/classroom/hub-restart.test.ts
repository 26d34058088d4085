import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHub, type RunningHub } from '../../../../runner/classroom/hub.ts';
import type { LearnerSummary } from '../../../../runner/classroom/hub/learners.ts';
import { hubStateSchema } from '../../../../runner/classroom/hub/state.ts';
import { jittered, startReporter, type Reporter } from '../../../../runner/classroom/reporter.ts';
import { liveRunner, type LiveRunner } from '../../support/live-runner.ts';
import { waitFor } from '../../support/poll.ts';

/** A hub on loopback keeping its state in `home`, as `npm start -- --hub` does in the workspace. */
function hubIn(home: string, log: (message: string) => void, port = 0): Promise<RunningHub> {
  return startHub({ host: '127.0.0.1', port, stateDir: home, log, tickMs: 60_000 });
}

const learnersOf = async (hub: RunningHub, token = hub.viewToken) => {
  const answer = await fetch(new URL('/api/learners', hub.url), {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(answer.status, 200, 'the view token is taken');
  return ((await answer.json()) as { learners: LearnerSummary[] }).learners;
};

const report = (hub: RunningHub, body: unknown, token = hub.joinToken) =>
  fetch(new URL(`/join/${token}/report`, hub.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

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

  it('takes the same links, shows the same table, and receives what learners did while it was down', async () => {
    first = await hubIn(home, () => undefined);
    const hub = first;
    const file = join(home, 'hub-state.json');
    assert.equal(hub.stateFile, file);
    assert.equal(
      statSync(file).mode & 0o777,
      0o600,
      'the tokens are readable by the instructor only',
    );

    reporter = startReporter({
      joinUrl: `http://127.0.0.1:${hub.port}/join/${hub.joinToken}`,
      name: 'Ada',
      workspace: ada.workspace,
      progress: ada.progress,
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
    const { joinToken, viewToken, port } = hub;
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
    assert.deepEqual([again.joinToken, again.viewToken], [joinToken, viewToken]);

    // The same view link signs a browser in, and the same token reads the table.
    const signIn = await fetch(new URL(`/?token=${viewToken}`, again.url), { redirect: 'manual' });
    assert.equal(signIn.status, 302);
    assert.match(signIn.headers.get('set-cookie') ?? '', new RegExp(`=${viewToken};`));
    await learnersOf(again, viewToken);

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
    assert.deepEqual([kept?.status, kept?.at], ['fail', missed['tool-missing']?.at]);
    await reporter.idle();
    assert.equal(said.filter((line) => line.includes('reached the hub again')).length, 1);
    assert.ok(!said.some((line) => line.includes('401')), said.join('\n'));

    // The same join link still adds learners.
    const bo = { name: 'Bo', learner: 'bo-learner-0000000001', results: [] };
    assert.equal((await report(again, bo, joinToken)).status, 204);
  });
});

describe('the state file', () => {
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

  it('holds a report by the time the hub acknowledges it', async () => {
    const home = fresh();
    const hub = await start(home);
    const result = { lab: 'traffic', check: 'canary', status: 'fail', attempts: 2 };
    const at = new Date().toISOString();
    const body = { name: 'Cy', learner: 'cy-learner-000000001', results: [{ ...result, at }] };
    assert.equal((await report(hub, body)).status, 204);
    const saved = hubStateSchema.parse(
      JSON.parse(readFileSync(join(home, 'hub-state.json'), 'utf8')),
    );
    assert.deepEqual(saved.learners[0]?.checks, [{ ...result, at, failingSince: at }]);
    assert.equal(saved.learners[0]?.name, 'Cy');
  });

  for (const [what, spoil, reason] of [
    ['is not JSON', (file: string) => writeFileSync(file, '{"version": 1, "joinTo'), /not JSON/],
    [
      'is not a hub state',
      (file: string) => writeFileSync(file, JSON.stringify({ version: 2, learners: 'many' })),
      /not a hub state file \(version: .*\)/,
    ],
    ['cannot be read', (file: string) => mkdirSync(file), /cannot be read \(.*EISDIR/],
  ] as const)
    it(`starts afresh when the file ${what}, saying where it was and keeping it aside`, async () => {
      const home = fresh();
      const file = join(home, 'hub-state.json');
      spoil(file);
      const isFile = statSync(file).isFile();
      const content = isFile ? readFileSync(file, 'utf8') : '';
      const said: string[] = [];
      const hub = await start(home, (message) => said.push(message));
      const log = said.join('\n');
      assert.match(log, reason);
      const aside = readdirSync(home).filter((name) => name.startsWith('hub-state.json.corrupt-'));
      assert.equal(aside.length, 1, readdirSync(home).join(', '));
      assert.ok(log.includes(file), 'the log names the file');
      assert.ok(log.includes(join(home, aside[0] ?? '')), 'and where it went');
      if (isFile) assert.equal(readFileSync(join(home, aside[0] ?? ''), 'utf8'), content);
      // The hub works, with new links that a next start takes again.
      const body = { name: 'Di', learner: 'di-learner-000000001', results: [] };
      assert.equal((await report(hub, body)).status, 204);
      assert.equal(
        hubStateSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).joinToken,
        hub.joinToken,
      );
    });

  it('goes on in memory, saying so, when the file cannot be written', async () => {
    const home = fresh();
    const said: string[] = [];
    const hub = await start(home, (message) => said.push(message));
    rmSync(home, { recursive: true, force: true });
    const body = { name: 'Ed', learner: 'ed-learner-000000001', results: [] };
    assert.equal((await report(hub, body)).status, 204);
    assert.equal((await report(hub, body)).status, 204);
    assert.deepEqual(
      (await learnersOf(hub)).map((row) => row.name),
      ['Ed'],
    );
    const failures = said.filter((line) => line.includes('cannot save the table'));
    assert.equal(failures.length, 1, 'said once, not at every report');
    assert.ok(failures[0]?.includes(join(home, 'hub-state.json')));
    assert.ok(!existsSync(home));
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
