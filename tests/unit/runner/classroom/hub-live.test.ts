import assert from 'node:assert/strict';
import { request, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningHub } from '../../../../runner/classroom/hub.ts';
import { LiveViewer, type HubDelta } from '../../../../runner/classroom/hub/live.ts';
import type { HubRow, HubView } from '../../../../runner/classroom/hub/view.ts';
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

describe('what a viewer is sent after the first event', () => {
  const row = (n: number, latest = 'passed: first'): HubRow => ({
    id: id(n),
    name: `Learner ${n}`,
    nameNote: '',
    chapter: 'Traffic',
    chapterId: 'traffic',
    passed: '1',
    latest,
    status: 'pass',
    checkId: 'traffic/first',
    stuck: '',
    lastSeen: 'just now',
  });
  const view = (rows: HubRow[]): HubView => ({
    summary: `${rows.length} learners`,
    problem: '',
    shown: '',
    rows,
    chapters: [],
    counts: [],
  });
  const viewer = () =>
    new LiveViewer({} as ServerResponse, 'en', { sort: 'stuck', chapter: undefined });
  const delta = (event: string | undefined) =>
    JSON.parse(event?.replace(/^event: delta\ndata: /, '') ?? 'null') as HubDelta | null;

  it('is nothing when the rows were made again with the same text', () => {
    const live = viewer();
    live.first(view([row(1), row(2)]));
    assert.equal(live.next(view([row(1), row(2)])), undefined);
  });

  it('is the row whose text changed, and no order when the order stayed', () => {
    const live = viewer();
    live.first(view([row(1), row(2)]));
    const sent = delta(live.next(view([row(1), row(2, 'failed: second')])));
    assert.deepEqual(sent, { rows: [row(2, 'failed: second')] });
  });

  it('sends a row whole when it comes back into the view, though its text did not change', () => {
    const live = viewer();
    live.first(view([row(1), row(2), row(3)]));
    // The instructor's chapter filter, or a learner moving on: row 2 leaves the view...
    assert.deepEqual(delta(live.next(view([row(1), row(3)]))), {
      summary: '2 learners',
      rows: [],
      order: [id(1), id(3)],
    });
    // ...and comes back as it was: the page dropped it, so it is sent again.
    assert.deepEqual(delta(live.next(view([row(2), row(1), row(3)]))), {
      summary: '3 learners',
      rows: [row(2)],
      order: [id(2), id(1), id(3)],
    });
  });
});
