import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { afterNextFrame } from '../../../src/client/next-frame.ts';

/** Frames the page would draw: `drawFrame()` runs the callbacks asked for until then. */
const frames: Array<() => void> = [];
const drawFrame = () => frames.splice(0).forEach((callback) => callback());
Object.defineProperty(globalThis, 'requestAnimationFrame', {
  value: (callback: () => void) => frames.push(callback),
  configurable: true,
});

describe('afterNextFrame', () => {
  beforeEach(() => {
    frames.length = 0;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  it('calls back in a task of its own after the next frame, once', () => {
    let calls = 0;
    afterNextFrame(() => calls++);
    mock.timers.tick(50);
    assert.equal(calls, 0, 'not before a frame');
    drawFrame();
    assert.equal(calls, 0, 'not in the frame itself');
    mock.timers.tick(0);
    assert.equal(calls, 1);
    mock.timers.tick(1000);
    assert.equal(calls, 1, 'once: the fallback is cleared');
  });

  it('calls back after the fallback when no frame is drawn (a tab in the background), once', () => {
    let calls = 0;
    afterNextFrame(() => calls++);
    mock.timers.tick(99);
    assert.equal(calls, 0);
    mock.timers.tick(1);
    mock.timers.tick(0);
    assert.equal(calls, 1);
    drawFrame();
    mock.timers.tick(0);
    assert.equal(calls, 1, 'a late frame calls nothing more');
  });
});
