import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import { postReport, testHub } from '../../support/hub.ts';
import { waitFor } from '../../support/poll.ts';

/** Server-sent events as they complete: each block's event name and data. */
function followEvents(hub: RunningHub) {
  const events: Array<{ event: string; data: string }> = [];
  let buffer = '';
  const req = request({
    host: '127.0.0.1',
    port: hub.port,
    path: '/api/events?lang=en',
    headers: { Authorization: `Bearer ${hub.viewToken}` },
  });
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
        const data = lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        events.push({ event, data });
      }
    });
  });
  req.end();
  return { events, close: () => req.destroy() };
}

const id = (n: number) => `live-learner-${String(n).padStart(8, '0')}`;

describe('the live table', () => {
  let hub: RunningHub;
  const report = (n: number, check: string) =>
    postReport(hub, {
      name: `Learner ${n}`,
      learner: id(n),
      results: [
        { lab: 'traffic', check, status: 'pass', at: new Date().toISOString(), attempts: 1 },
      ],
    });
  before(async () => {
    hub = await testHub({ rates: false });
    for (let n = 0; n < 300; n++) assert.equal((await report(n, 'first')).status, 204);
  });
  after(() => hub.close());

  it('sends the whole table once, then only the rows that changed', async () => {
    const live = followEvents(hub);
    try {
      await waitFor('the first event', () => live.events.length >= 1);
      const [first] = live.events;
      assert.equal(first?.event, 'rows');
      assert.equal((JSON.parse(first?.data ?? '{}') as { rows: unknown[] }).rows.length, 300);

      assert.equal((await report(7, 'second')).status, 204);
      await waitFor('the next event', () => live.events.length >= 2);
      const next = live.events[1];
      assert.equal(next?.event, 'delta');
      const delta = JSON.parse(next?.data ?? '{}') as {
        rows: Array<{ id: string; latest: string }>;
      };
      assert.deepEqual(
        delta.rows.map((row) => [row.id, row.latest]),
        [[id(7), 'passed: second']],
      );
      assert.ok(
        (next?.data.length ?? 0) * 20 < (first?.data.length ?? 0),
        `the delta (${next?.data.length} bytes) is a small part of the table (${first?.data.length})`,
      );
    } finally {
      live.close();
    }
  });
});
