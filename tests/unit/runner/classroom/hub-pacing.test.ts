import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PushPacing } from '../../../../runner/classroom/hub/pacing.ts';

/** A pacing on a clock the test moves, and a push that takes `ms` of it. */
function paced() {
  let clock = 0;
  const pacing = new PushPacing(200, 0.25, () => clock);
  return {
    pacing,
    push: (ms: number) => {
      const started = clock;
      clock += ms;
      pacing.pushed(started);
    },
    wait: (ms: number) => {
      clock += ms;
    },
  };
}

describe('when the hub pushes its live tables', () => {
  it('waits the burst window after a report when pushes are cheap', () => {
    const { pacing, push } = paced();
    assert.equal(pacing.delay(), 200);
    for (let n = 0; n < 20; n++) push(30);
    assert.equal(pacing.delay(), 200);
  });

  it('does not hold the next push three times as long after one slow push', () => {
    const { pacing, push } = paced();
    for (let n = 0; n < 20; n++) push(40);
    // A collection in the middle of one push: 300 ms. The latest cost alone made it 900 ms.
    push(300);
    assert.ok(pacing.delay() <= 350, `waits ${pacing.delay()} ms after one slow push`);
    // The pushes after it bring the wait back to the window.
    for (let n = 0; n < 4; n++) push(40);
    assert.equal(pacing.delay(), 200);
  });

  it('keeps pushes to a quarter of the time when they stay slow, counted from the last one', () => {
    const { pacing, push, wait } = paced();
    for (let n = 0; n < 30; n++) push(300);
    assert.ok(pacing.costMs > 290, `cost ${pacing.costMs}`);
    const pause = pacing.delay();
    assert.ok(pause >= 870 && pause <= 900, `waits ${pause} ms`);
    // A report that comes later waits only the rest of that pause, or the window.
    wait(600);
    assert.equal(pacing.delay(), pause - 600);
    wait(1000);
    assert.equal(pacing.delay(), 200);
  });
});
