import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BatchLimits, OutputBatch } from '../../../../runner/terminal/output-batch.ts';

function batch() {
  const delivered: string[] = [];
  let now = 0;
  const b = new OutputBatch(
    (data) => delivered.push(data.toString()),
    () => now,
  );
  return { b, delivered, at: (ms: number) => (now = ms) };
}

describe('output batches', () => {
  it('delivers output after a quiet spell on the next turn, not later', async () => {
    const { b, delivered } = batch();
    b.push(Buffer.from('a'));
    assert.deepEqual(delivered, [], 'not synchronously: more of the same read may follow');
    await nextTurn();
    assert.deepEqual(delivered, ['a']);
  });

  it('gathers output that follows other output closely into one chunk', (t) => {
    // The batch's timers on a clock the test moves: a real 2 ms timer can fire before the next
    // turn on a busy machine, which would say nothing about the batch.
    t.mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
    const { b, delivered, at } = batch();
    b.push(Buffer.from('first'));
    t.mock.timers.tick(0);
    assert.deepEqual(delivered, ['first'], 'after a quiet spell, on the next turn');
    at(1); // within the window of the last delivery
    b.push(Buffer.from('x'));
    b.push(Buffer.from('y'));
    t.mock.timers.tick(0);
    assert.deepEqual(delivered, ['first'], 'held for the window');
    t.mock.timers.tick(BatchLimits.windowMs);
    assert.deepEqual(delivered, ['first', 'xy']);
  });

  it('delivers a full batch at once', () => {
    const { b, delivered } = batch();
    b.push(Buffer.alloc(BatchLimits.maxBytes - 1, 'a'));
    assert.equal(delivered.length, 0);
    b.push(Buffer.from('b'));
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]?.length, BatchLimits.maxBytes);
    assert.equal(b.pending, 0);
  });

  it('flush delivers what waits synchronously, once, in order', async () => {
    const { b, delivered } = batch();
    b.push(Buffer.from('1'));
    b.push(Buffer.from('2'));
    b.flush();
    assert.deepEqual(delivered, ['12']);
    b.flush();
    await nextTurn();
    assert.deepEqual(delivered, ['12'], 'nothing twice');
  });

  it('delivers nothing after dispose, even what a timer had scheduled', async () => {
    const { b, delivered } = batch();
    b.push(Buffer.from('late'));
    b.dispose();
    b.push(Buffer.from('later'));
    b.flush();
    await nextTurn();
    assert.deepEqual(delivered, []);
  });
});
