import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisposableStore, Lifecycle, LifeState } from '../../../runner/lifecycle.ts';

describe('disposable store', () => {
  it('runs each disposer once, the last registered first, however often it is disposed', () => {
    const store = new DisposableStore();
    const ran: string[] = [];
    store.add(() => ran.push('timer'));
    store.add({ dispose: () => ran.push('screen') });
    store.add(() => ran.push('listener'));
    store.dispose();
    store.dispose();
    assert.deepEqual(ran, ['listener', 'screen', 'timer']);
    assert.equal(store.disposed, true);
  });

  it('runs every disposer when one throws, then throws what failed', () => {
    const store = new DisposableStore();
    const ran: string[] = [];
    store.add(() => ran.push('first'));
    store.add(() => {
      throw new Error('broken');
    });
    store.add(() => ran.push('last'));
    assert.throws(() => store.dispose(), /broken/);
    assert.deepEqual(ran, ['last', 'first']);
    // Disposed all the same: a second call neither runs nor throws again.
    store.dispose();
    assert.deepEqual(ran, ['last', 'first']);
  });

  it('throws every error together when several disposers fail', () => {
    const store = new DisposableStore();
    for (const name of ['a', 'b'])
      store.add(() => {
        throw new Error(name);
      });
    assert.throws(
      () => store.dispose(),
      (error: unknown) =>
        error instanceof AggregateError &&
        error.errors.map((e: Error) => e.message).join() === 'b,a',
    );
  });

  it('runs at once a disposer added once it is disposed', () => {
    const store = new DisposableStore();
    store.dispose();
    let ran = 0;
    store.add(() => ran++);
    assert.equal(ran, 1);
  });
});

describe('lifecycle', () => {
  it('moves only forward, each state reached once, and ends its store on ended', () => {
    const life = new Lifecycle();
    let disposed = 0;
    life.store.add(() => disposed++);
    assert.equal(life.state, LifeState.starting);
    assert.equal(life.advance(LifeState.running), true);
    assert.equal(life.advance(LifeState.ending), true);
    assert.equal(life.advance(LifeState.running), false, 'never back');
    assert.equal(life.state, LifeState.ending);
    assert.equal(life.advance(LifeState.ended), true);
    assert.equal(life.advance(LifeState.ended), false);
    assert.equal(disposed, 1);
    assert.ok(life.reached(LifeState.ending));
  });

  it('may skip a state: a start that fails ends at once', () => {
    const life = new Lifecycle();
    assert.equal(life.advance(LifeState.ended), true);
    assert.equal(life.reached(LifeState.running), true);
    assert.equal(life.advance(LifeState.ending), false);
  });
});
