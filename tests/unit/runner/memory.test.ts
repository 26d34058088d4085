import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  memoryReducingCollection,
  quietCollector,
  spacedCollector,
} from '../../../runner/memory.js';

const root = new URL('../../..', import.meta.url);

/**
 * The young generation's size in a new Node process, after a churn of short-lived Buffers like a
 * flood's, with `runner/memory.js` loaded first or not.
 */
function youngGenerationAfterChurn(withSettings: boolean): { before: number; after: number } {
  const script = `
    ${withSettings ? `await import(${JSON.stringify(new URL('runner/memory.js', root).href)});` : ''}
    const { getHeapSpaceStatistics } = await import('node:v8');
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const before = young();
    const kept = [];
    for (let i = 0; i < 200_000; i++) {
      kept.push({ chunk: Buffer.alloc(64), at: i, text: 'line ' + i });
      if (kept.length > 20_000) kept.splice(0, 10_000);
    }
    console.log(JSON.stringify({ before, after: young() }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { before: number; after: number };
}

describe("the runner's heap settings", () => {
  it('keep the young generation near its first size through a churn that grows it otherwise', () => {
    const plain = youngGenerationAfterChurn(false);
    const settled = youngGenerationAfterChurn(true);
    // Here: 64 MiB without them, 2 MiB with them, from 1 MiB.
    assert.ok(
      settled.after <= 4 * 2 ** 20 && settled.after * 8 <= plain.after,
      `from ${settled.before} bytes, it went to ${settled.after} with them, ${plain.after} without`,
    );
  });
});

describe("the main thread's collection after a flood", () => {
  it('collects once output has stopped for a while, and only after a flood', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let collections = 0;
    const after = quietCollector({
      collect: () => collections++,
      afterQuietMs: 1000,
      minBytes: 100,
    });
    after.streamed(60);
    t.mock.timers.tick(5000);
    assert.equal(collections, 0, 'too little output for a collection');
    after.streamed(60);
    t.mock.timers.tick(900);
    after.streamed(10);
    t.mock.timers.tick(900);
    assert.equal(collections, 0, 'output that goes on puts it off');
    t.mock.timers.tick(100);
    assert.equal(collections, 1);
    after.streamed(99);
    t.mock.timers.tick(5000);
    assert.equal(collections, 1, 'the count starts again after a collection');
  });

  it('collects while work goes on, at most once a spell, on the turn after the work', (t) => {
    t.mock.timers.enable({ apis: ['setImmediate'] });
    let now = 0;
    let collections = 0;
    const busy = spacedCollector({ collect: () => collections++, everyMs: 5000, now: () => now });
    busy.worked();
    assert.equal(collections, 0, 'not during the work itself');
    t.mock.timers.tick(0);
    assert.equal(collections, 1);
    for (now = 1000; now < 5000; now += 1000) busy.worked();
    t.mock.timers.tick(0);
    assert.equal(collections, 1, 'once a spell');
    now = 5000;
    busy.worked();
    t.mock.timers.tick(0);
    assert.equal(collections, 2);
  });

  it("has V8's memory-reducing collection to call in this process", () => {
    const collect = memoryReducingCollection();
    assert.equal(typeof collect, 'function');
    collect?.();
  });
});
