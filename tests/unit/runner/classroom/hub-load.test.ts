import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import type { LearnerSummary } from '../../../../runner/classroom/hub/learners.ts';
import { HubLimits } from '../../../../runner/classroom/hub/report.ts';
import { testHub } from '../../support/hub.ts';

interface Answer {
  status: number;
  body: string;
}

/** One request on its own connection, as learners' runners on a room's network each send. */
function post(port: number, path: string, body: string, contentType = 'application/json') {
  return new Promise<Answer>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // An oversized body is refused and its connection closed before it is all sent.
    req.on('error', () => resolve({ status: 413, body: '' }));
    req.end(body);
  });
}

const id = (n: number) => `learner-${String(n).padStart(12, '0')}`;
const result = (check: string, status: 'pass' | 'fail', at: string) => ({
  lab: 'traffic',
  check,
  status,
  at,
  attempts: 1,
});

/** The room's capacity in this test (--hub-capacity). */
const room = 200;

describe('the hub under a full room, with bad reports mixed in', () => {
  let hub: RunningHub;
  before(async () => {
    hub = await testHub({
      tickMs: 60_000,
      capacity: room,
      // The whole room comes from one address here; limits per address are hub-limits.test.ts.
      rates: false,
    });
  });
  after(() => hub.close());

  it('keeps every good report, nothing of a bad one, and no learner past its limit', async () => {
    const path = `/join/${hub.joinToken}/report`;
    const now = new Date().toISOString();
    const good = Array.from({ length: room }, (_, n) =>
      JSON.stringify({
        name: `Learner ${n}`,
        learner: id(n),
        results: [
          result('routes', 'pass', now),
          result(`step-${n % 7}`, n % 3 ? 'pass' : 'fail', now),
        ],
      }),
    );
    const bad = [
      '{ not json',
      JSON.stringify({ name: 'Mallory', learner: id(9000), results: [], extra: 1 }),
      JSON.stringify({ name: 'Mal\u202eory', learner: id(9001), results: [] }),
      JSON.stringify({ name: 'Mallory', learner: 'short', results: [] }),
      JSON.stringify({
        name: 'Mallory',
        learner: id(9002),
        results: [{ ...result('routes', 'pass', now), lab: '../etc' }],
      }),
      JSON.stringify({
        name: 'Mallory',
        learner: id(9003),
        results: [],
        pad: 'x'.repeat(HubLimits.reportBytes),
      }),
    ];
    // Everyone at once, the bad ones among them.
    const answers = await Promise.all([
      ...good.map((body) => post(hub.port, path, body)),
      ...bad.map((body) => post(hub.port, path, body)),
      post(hub.port, path, good[0] ?? '', 'text/plain'),
    ]);
    const goodAnswers = answers.slice(0, good.length);
    const badAnswers = answers.slice(good.length);
    assert.deepEqual(
      [...new Set(goodAnswers.map((answer) => answer.status))],
      [204],
      'every good report lands',
    );
    for (const answer of badAnswers)
      assert.ok([400, 413, 415].includes(answer.status), `bad report answered ${answer.status}`);

    // The room is full: one more learner is refused, a known one still reports.
    const extra = await post(
      hub.port,
      path,
      JSON.stringify({ name: 'Late', learner: id(5000), results: [] }),
    );
    assert.equal(extra.status, 403);
    const again = await post(
      hub.port,
      path,
      JSON.stringify({
        name: 'Learner 0',
        learner: id(0),
        results: [result('canary', 'pass', now)],
      }),
    );
    assert.equal(again.status, 204);

    const table = await fetch(`http://127.0.0.1:${hub.port}/api/learners`, {
      headers: { Authorization: `Bearer ${hub.viewToken}` },
    });
    const rows = ((await table.json()) as { learners: LearnerSummary[] }).learners;
    assert.equal(rows.length, room, 'exactly the good learners, no more');
    assert.ok(!rows.some((row) => /Mal|Late/.test(row.name)), 'nothing of the bad reports');
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (let n = 1; n < room; n++) {
      const row = byId.get(id(n));
      assert.ok(row, `learner ${n} kept`);
      assert.equal(row.passed, n % 3 ? 2 : 1, `learner ${n}'s passes`);
    }
    assert.equal(byId.get(id(0))?.passed, 2, 'the later report was added to the earlier one');
  });

  it('caps what one learner can make the hub keep', async () => {
    const path = `/join/${hub.joinToken}/report`;
    const now = new Date().toISOString();
    let refused = 0;
    for (let batch = 0; batch * HubLimits.resultsPerReport <= HubLimits.checksPerLearner; batch++) {
      const results = Array.from({ length: HubLimits.resultsPerReport }, (_, n) =>
        result(`c-${batch}-${n}`, 'pass', now),
      );
      const answer = await post(
        hub.port,
        path,
        JSON.stringify({ name: 'Learner 1', learner: id(1), results }),
      );
      if (answer.status === 400 && /at most/.test(answer.body)) refused++;
    }
    assert.ok(refused > 0, 'past its limit of distinct checks, a learner is refused');
  });
});
