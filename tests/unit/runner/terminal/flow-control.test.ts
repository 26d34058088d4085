import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowControl, FlowLimits } from '../../../../runner/terminal/flow-control.ts';

describe('flow control', () => {
  it('acknowledges in steps no larger than the low watermark', () => {
    assert.ok(FlowLimits.ackBytes <= FlowLimits.lowWatermark);
    assert.ok(FlowLimits.lowWatermark < FlowLimits.highWatermark);
  });

  it('pauses above the high watermark and resumes below the low one, once each', () => {
    const events: string[] = [];
    const flow = new FlowControl(
      () => events.push('pause'),
      () => events.push('resume'),
    );
    flow.typed();
    flow.sent(FlowLimits.highWatermark);
    assert.deepEqual(events, []);
    flow.sent(1);
    flow.sent(1000);
    assert.deepEqual(events, ['pause']);
    flow.acknowledged(FlowLimits.highWatermark - FlowLimits.lowWatermark);
    assert.deepEqual(events, ['pause'], 'still at the low watermark');
    flow.acknowledged(2000);
    assert.deepEqual(events, ['pause', 'resume']);
  });

  it('resumes when the page goes away', () => {
    const events: string[] = [];
    const flow = new FlowControl(
      () => events.push('pause'),
      () => events.push('resume'),
    );
    flow.sent(FlowLimits.streamingHighWatermark + 1);
    flow.reset();
    assert.deepEqual(events, ['pause', 'resume']);
    assert.equal(flow.unacknowledged, 0);
  });
  it('keeps the large window while output streams, and the small one from a key on', () => {
    assert.ok(FlowLimits.streamingHighWatermark > FlowLimits.highWatermark);
    let now = 0;
    const events: string[] = [];
    const flow = new FlowControl(
      () => events.push('pause'),
      () => events.push('resume'),
      () => now,
    );
    assert.equal(flow.window, FlowLimits.streamingHighWatermark);
    flow.sent(FlowLimits.highWatermark * 2);
    assert.deepEqual(events, [], 'streaming: more may be in flight');
    now = 10;
    flow.typed();
    assert.deepEqual(events, ['pause'], 'a key in a flood pauses at once');
    assert.equal(flow.window, FlowLimits.highWatermark);
    flow.acknowledged(FlowLimits.highWatermark * 2);
    assert.deepEqual(events, ['pause', 'resume']);
    flow.sent(FlowLimits.highWatermark + 1);
    assert.deepEqual(events, ['pause', 'resume', 'pause'], 'still typing: the small window');
    flow.acknowledged(FlowLimits.highWatermark + 1);
    now = 10 + FlowLimits.typingMs;
    assert.equal(flow.window, FlowLimits.streamingHighWatermark, 'no key for a while');
    flow.sent(FlowLimits.streamingHighWatermark);
    assert.deepEqual(events, ['pause', 'resume', 'pause', 'resume']);
    flow.sent(1);
    assert.deepEqual(events, ['pause', 'resume', 'pause', 'resume', 'pause']);
  });

  it('a key pauses nothing when little is in flight', () => {
    const events: string[] = [];
    const flow = new FlowControl(
      () => events.push('pause'),
      () => events.push('resume'),
    );
    flow.sent(FlowLimits.highWatermark);
    flow.typed();
    assert.deepEqual(events, []);
  });
});
