import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from './poll.ts';

describe('waitFor, the one polling helper of the unit tests', () => {
  it('resolves as soon as the predicate holds, asking again every interval', async () => {
    let asked = 0;
    const started = Date.now();
    await waitFor('the third question', () => ++asked >= 3, 5_000, 10);
    assert.equal(asked, 3);
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  });

  it('waits on an async predicate', async () => {
    let asked = 0;
    await waitFor('an async yes', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return ++asked === 2;
    });
    assert.equal(asked, 2);
  });

  it('fails at its deadline, naming what it waited for and for how long', async () => {
    const started = Date.now();
    let asked = 0;
    await assert.rejects(
      waitFor(
        'the impossible',
        () => {
          asked++;
          return false;
        },
        200,
        20,
      ),
      (error: Error) => {
        assert.match(error.message, /timed out waiting for the impossible \(waited \d+ ms\)/);
        const waited = Number(/waited (\d+) ms/.exec(error.message)?.[1]);
        assert.ok(waited >= 200 && waited < 2_000, `waited ${waited} ms`);
        return true;
      },
    );
    assert.ok(Date.now() - started >= 200, 'not before the deadline');
    assert.ok(asked >= 2, `asked ${asked} times`);
  });

  it('asks once more at the deadline, so a late yes still counts', async () => {
    const started = Date.now();
    // Intervals longer than the deadline: without a last question at the deadline it would fail,
    // and one asked only after a whole interval would come late.
    await waitFor('a yes at the deadline', () => Date.now() - started >= 100, 100, 1_000);
    assert.ok(Date.now() - started < 900, `answered after ${Date.now() - started} ms`);
  });

  it('ends the wait with the error of a predicate that throws', async () => {
    await assert.rejects(
      waitFor('a broken probe', () => {
        throw new Error('the probe broke');
      }),
      /the probe broke/,
    );
  });
});
