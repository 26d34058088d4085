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
    flow.sent(FlowLimits.highWatermark + 1);
    flow.reset();
    assert.deepEqual(events, ['pause', 'resume']);
    assert.equal(flow.unacknowledged, 0);
  });
});
