import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowControl, FlowLimits } from '../../../../runner/terminal/flow-control.ts';

describe('flow control', () => {
  it('acknowledges in steps no larger than the low watermark', () => {
    assert.ok(FlowLimits.ackBytes <= FlowLimits.lowWatermark);
    assert.ok(FlowLimits.lowWatermark < FlowLimits.highWatermark);
  });

  it('stops above the high watermark and opens below the low one, saying so once each', () => {
    const flow = new FlowControl();
    assert.equal(flow.typed(), true);
    assert.equal(flow.sent(FlowLimits.highWatermark), true);
    assert.equal(flow.sent(1), false, 'stopped');
    assert.equal(flow.sent(1000), false);
    assert.equal(flow.open, false);
    assert.equal(
      flow.acknowledged(FlowLimits.highWatermark - FlowLimits.lowWatermark),
      false,
      'still at the low watermark',
    );
    assert.equal(flow.acknowledged(2000), true, 'open again');
    assert.equal(flow.open, true);
    assert.equal(flow.acknowledged(10), false, 'already open: nothing to do');
  });

  it('opens when the page goes away', () => {
    const flow = new FlowControl();
    assert.equal(flow.sent(FlowLimits.streamingHighWatermark + 1), false);
    flow.reset();
    assert.equal(flow.open, true);
    assert.equal(flow.unacknowledged, 0);
  });

  it('keeps the large window while output streams, and the small one from a key on', () => {
    assert.ok(FlowLimits.streamingHighWatermark > FlowLimits.highWatermark);
    let now = 0;
    const flow = new FlowControl(() => now);
    assert.equal(flow.window, FlowLimits.streamingHighWatermark);
    assert.equal(flow.sent(FlowLimits.highWatermark * 2), true, 'streaming: more may be in flight');
    now = 10;
    assert.equal(flow.typed(), false, 'a key in a flood stops sending at once');
    assert.equal(flow.window, FlowLimits.highWatermark);
    assert.equal(flow.acknowledged(FlowLimits.highWatermark * 2), true);
    assert.equal(flow.sent(FlowLimits.highWatermark + 1), false, 'still typing: the small window');
    assert.equal(flow.acknowledged(FlowLimits.highWatermark + 1), true);
    now = 10 + FlowLimits.typingMs;
    assert.equal(flow.window, FlowLimits.streamingHighWatermark, 'no key for a while');
    assert.equal(flow.sent(FlowLimits.streamingHighWatermark), true);
    assert.equal(flow.sent(1), false);
  });

  it('a key stops nothing when little is in flight', () => {
    const flow = new FlowControl();
    flow.sent(FlowLimits.highWatermark);
    assert.equal(flow.typed(), true);
    assert.equal(flow.open, true);
  });
});
